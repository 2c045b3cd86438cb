// Package pki is fleetd's certificate authority: it generates and reloads
// the CA, issues the MQTT server certificate and device certificates, signs
// certificate signing requests, and answers the identity questions of AWS
// IoT's certificate operations (ids, chains, registration codes, subject
// attributes). It uses real cryptography (crypto/x509, ECDSA P-256), so
// devices and the AWS device SDKs connect over real mutual TLS.
//
// # What it owns
//
//   - The CA (ca.go): NewCA generates a self-signed root, ECDSA P-256,
//     CN "FleetLab Root CA <8 hex digits of the key hash>", KeyUsage
//     CertSign|CRLSign, BasicConstraints CA:TRUE, valid DefaultCAYears (10)
//     unless CAOptions says otherwise. MarshalPEM gives the certificate and
//     a PKCS#8 key for the daemon to persist; LoadCA reads them back and
//     checks the key belongs to the certificate.
//   - Trust (pool.go): a Pool holds every CA certificate fleetd accepts.
//     Rotation is NewCA plus keeping the retired CA's certificate in the
//     pool, so certificates it signed keep verifying; Pool.Remove retires
//     it for good. Pool.CertPool feeds tls.Config.ClientCAs and RootCAs.
//   - Issuing (issue.go, csr.go): IssueServerCert (ServerAuth; SANs for the
//     given hosts plus localhost, 127.0.0.1 and ::1, always), IssueDeviceCert
//     (a new key and a ClientAuth certificate: CreateKeysAndCertificate and
//     $aws/certificates/create) and SignCSR (the CSR's key and subject:
//     CreateCertificateFromCsr and $aws/certificates/create-from-csr).
//   - AWS shapes (keypair.go, subject.go, identity.go): CertificateID,
//     KeyPair, Validity, subject and issuer attributes by AWS name,
//     ParseCertificatePEM and friends with AWS error codes.
//
// It owns no state beyond the values it returns: no files, no clock, no
// goroutines, no globals that change. The caller persists PEM bytes,
// decides certificate statuses and keeps the registry of certificates.
//
// # Invariants
//
//   - Keys fleetd generates are ECDSA P-256 (DECISIONS.md, "Provisioning
//     and identity"), although AWS's CreateKeysAndCertificate generates RSA
//     2048. A CSR may carry RSA (at least 2048 bits) or ECDSA P-256/P-384,
//     AWS's rule for CreateCertificateFromCsr.
//   - Serial numbers are 128 random bits from the caller's reader, never
//     zero.
//   - NotBefore is now minus five minutes, for devices with a slow clock.
//     Device certificates end when AWS's do, 2049-12-31T23:59:59Z, server
//     certificates after ServerCertValidity (a year); neither outlives its
//     CA (NotAfter is cut to the CA's).
//   - An empty device subject becomes CN=AWS IoT Certificate, the subject
//     AWS gives its certificates. A CSR's subject is copied, nothing else
//     of it (no SANs, no requested extensions).
//   - A certificate's id (certificateId, caCertificateId) is the lowercase
//     hex SHA-256 of its DER: `openssl x509 -noout -fingerprint -sha256`
//     without colons, lowercased.
//   - Which CA signed a certificate is decided by signature, after the
//     issuer name matches the CA's subject: several registered CAs may share
//     a subject (FindIssuer, VerifyChain, Pool.Issuer).
//
// # Time and randomness
//
// Every function that needs time takes now; every one that needs
// randomness takes an io.Reader (the daemon passes crypto/rand.Reader).
// Serial numbers and registration codes come from that reader, so a seeded
// reader repeats them. Since Go 1.26, key generation and ECDSA signing
// ignore a caller's reader and always use the system's secure source
// (unless GODEBUG=cryptocustomrand=1); the reader is still passed through,
// but keys and signatures are reproducible only in tests that also call
// testing/cryptotest.SetGlobalRandom.
//
// # Key pair formats
//
// KeyPairPEM returns what CreateKeysAndCertificate's keyPair holds:
// PublicKey is "-----BEGIN PUBLIC KEY-----" (PKIX). PrivateKey is PKCS#1
// "RSA PRIVATE KEY" for RSA keys, as AWS sends, and SEC1 "EC PRIVATE KEY"
// for ECDSA keys, the form the AWS IoT device SDK samples and mbedTLS load.
// The CA's own key is persisted as PKCS#8 "PRIVATE KEY"; LoadCA accepts all
// three.
//
// # Errors
//
// Client input that fails is an *awserr.Error, status 400:
//
//	CertificateValidationException       Certificate is not in valid PEM format
//	                                     Certificate is not valid: x509: …
//	                                     CA certificate is not valid: it lacks the basic constraint CA:TRUE
//	                                     Verification certificate is not signed by the CA certificate's key
//	                                     Certificate is not signed by any registered CA certificate
//	                                     Certificate has expired: it was valid until …
//	RegistrationCodeValidationException  The verification certificate's common name "…" is not the registration code
//	InvalidRequestException              Certificate signing request signature does not verify: …
//	                                     Certificate signing request has a 1024-bit RSA key; …
//
// The awserr catalog lacks RegistrationCodeValidationException; it is the
// RegistrationCodeValidation constant here, built with awserr.WithStatus.
// Other errors (a failing random source, a CA file that does not load) are
// server faults, wrapped with context and prefixed "pki:".
//
// # How to use it
//
// At first start the daemon calls NewCA(now, crand.Reader, CAOptions{}),
// writes MarshalPEM's output to its data dir (key mode 0600) and the CA
// certificate into the trust pool file (Pool.MarshalPEM); later starts use
// LoadCA and ParsePoolPEM. It issues the MQTT listener's certificate with
// IssueServerCert(ca, hosts, now, crand.Reader) and serves
// Issued.TLSCertificate with ClientCAs = pool.CertPool() plus the CAs
// customers registered. Fleet provisioning calls IssueDeviceCert or
// SignCSR, stores Issued.PEM under Issued.ID and returns KeyPair for the
// create case. RegisterCACertificate calls ParseCACertificatePEM and, in
// DEFAULT mode, VerifyRegistrationCode with the code NewRegistrationCode
// produced for GetRegistrationCode; RegisterCertificate and JITR call
// VerifyChain (or FindIssuer) over the registered CAs. JITP parameters and
// ${iot:Certificate.Subject.*} policy variables read SubjectAttributes and
// IssuerAttributes; DescribeCertificate's validity is ValidityOf.
package pki

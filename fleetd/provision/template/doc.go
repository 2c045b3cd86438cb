// Package template is the provisioning template engine shared by fleet
// provisioning (RegisterThing over MQTT and HTTP), just-in-time
// provisioning (JITP) and bulk registration (StartThingRegistrationTask).
// It is pure: no I/O, no goroutines, no clock, no randomness.
//
// # What it owns
//
//   - Parse: the strict decoding and validation of a template body (spec
//     §4.1): the Parameters, Mappings, Resources and DeviceConfiguration
//     sections and nothing else, Type "String" parameters with an optional
//     Default, two-level string Mappings without intrinsic functions, the
//     three resource types with their property names and OverrideSettings,
//     and a flat DeviceConfiguration. Validation reports every problem in
//     one *InvalidTemplateError (see Errors below).
//   - CheckKind: the rules of a template type. FLEET_PROVISIONING and JITP
//     certificates are only CertificateId: {"Ref": "AWS::IoT::Certificate::Id"};
//     JITP templates declare only the certificate parameters of spec §4.3
//     and have no Mappings or DeviceConfiguration.
//   - Evaluate: the intrinsic functions Ref, Fn::Join, Fn::Sub (string and
//     [format, {vars}] forms, ${Name} and the literal ${!Name}), Fn::Split,
//     Fn::Select and Fn::FindInMap (whose keys may be intrinsics), giving a
//     Result of typed resources and the DeviceConfiguration map. Failures
//     (a parameter without value or default, an Fn::Select index out of
//     range, a missing mapping key, a bad certificate status) are awserr
//     ResourceRegistrationFailureExceptions naming the path.
//
// # Errors
//
// Parse and CheckKind report all problems at once, each with its path;
// the *InvalidTemplateError unwraps to an InvalidRequestException whose
// message lists them:
//
//	Resources.thing.Properties.ThingName.Fn::Join: Fn::Join expects ["delimiter", [values]]
//	DeviceConfiguration.mode.Fn::If: Fn::If is not supported: provisioning templates document no conditions (...)
//
// Evaluate returns the first failure in template order (resources, then
// DeviceConfiguration) as a ResourceRegistrationFailureException:
//
//	Template evaluation failed at Resources.thing.Properties.ThingName.Ref: parameter ThingName has no value and no default
//
// It does not create anything: the caller applies the Result to the
// registry, the certificate store and the policy store, and decides what
// an empty Override means.
//
// # Invariants
//
//   - A parsed Template is immutable and safe for concurrent Evaluate.
//   - Whether a value is a string or a list is decided at parse time:
//     Fn::Split and JSON arrays are lists, everything else is a string. A
//     list where a string belongs (or the reverse) is a Parse problem, so
//     Evaluate only fails for the reasons listed above.
//   - Every Ref and ${Name} names a declared parameter, an Fn::Sub
//     variable or a pseudo-parameter (AWS::Region, AWS::AccountId,
//     AWS::IoT::Certificate::Id and the certificate subject fields
//     AWS::IoT::Certificate::CommonName, ::Country, ::Organization,
//     ::OrganizationalUnit, ::DistinguishedNameQualifier, ::StateName,
//     ::SerialNumber); a literal Fn::FindInMap map name names a mapping.
//   - A template has at least one resource, at most one AWS::IoT::Thing
//     and at most one AWS::IoT::Certificate, and any number of policies.
//   - Conditions, Fn::If, Fn::Equals, Fn::And, Fn::Or and Fn::Not are
//     rejected with a message saying that provisioning templates do not
//     document them; any other unknown key is rejected too.
//   - The body is at most MaxBodyChars (10240) characters, counted as
//     Unicode code points. Duplicate JSON keys are problems.
//
// # Decisions where AWS is silent
//
//   - A policy with PolicyName alone names an existing policy; a policy
//     with PolicyDocument alone is created under the lowercase hex SHA-256
//     of its document text. A document given as a string is used byte for
//     byte; an inline object is printed as compact JSON with members in
//     template order and <, >, & unescaped, and intrinsic functions inside
//     it are evaluated. A literal string document must be valid JSON.
//   - Certificate Status is compared case-insensitively ("Active" works)
//     and normalised to ACTIVE or INACTIVE; ACTIVE when absent.
//   - OverrideSettings keys are accepted in both spellings the AWS text
//     uses (AttributePayload and ATTRIBUTE_PAYLOAD, ...). Values are
//     literals; MERGE only for AttributePayload and ThingGroups.
//   - ThingName is required. Attribute values and DeviceConfiguration
//     values are strings or string-valued intrinsics, never numbers.
//   - Fn::Join and Fn::Split delimiters are literal strings; an Fn::Split
//     delimiter is not empty. A literal Fn::Select index into a literal
//     list is bounds-checked at parse time.
//   - Fn::Sub trims spaces inside ${ Name }; ${!Name} is never substituted.
//   - A parameter given in params wins over its Default, also when it is
//     the empty string. Parameters the template does not use are ignored.
//
// # How to use it
//
//	t, err := template.Parse(body)          // at Create/UpdateProvisioningTemplate
//	if err == nil {
//		err = t.CheckKind(template.FleetProvisioning)
//	}
//	...
//	params := maps.Clone(request.Parameters) // after the pre-provisioning hook's overrides
//	params[template.CertificateID] = certID
//	params["AWS::Region"], params["AWS::AccountId"] = region, account
//	res, err := t.Evaluate(params)
//
// Then create or update res.Thing honouring its Overrides, set
// res.Certificate's status, create or look up each policy, attach the
// policies to the certificate and the certificate to the thing, and answer
// with the thing name and res.DeviceConfiguration.
package template

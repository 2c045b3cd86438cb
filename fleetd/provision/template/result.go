package template

// Result is an evaluated template: what RegisterThing, JITP or a bulk
// registration line creates or updates. A template declares at most one
// thing and one certificate, so the caller attaches the certificate to
// the thing and every policy to the certificate without guessing.
type Result struct {
	Thing               *Thing            `json:"thing,omitempty"`
	Certificate         *Certificate      `json:"certificate,omitempty"`
	Policies            []Policy          `json:"policies,omitempty"`
	DeviceConfiguration map[string]string `json:"deviceConfiguration,omitempty"`
}

// Thing is an evaluated AWS::IoT::Thing resource.
type Thing struct {
	LogicalName string `json:"logicalName"`
	ThingName   string `json:"thingName"`
	// Attributes is nil when the template has no AttributePayload, and an
	// empty map when it has an empty one.
	Attributes    map[string]string `json:"attributes,omitempty"`
	ThingTypeName string            `json:"thingTypeName,omitempty"`
	// ThingGroups is nil when the template has no ThingGroups.
	ThingGroups  []string       `json:"thingGroups,omitempty"`
	BillingGroup string         `json:"billingGroup,omitempty"`
	Overrides    ThingOverrides `json:"overrides,omitzero"`
}

// ThingOverrides says what to do with each property when the thing
// already exists. An empty Override means the template did not say; the
// caller applies its default.
type ThingOverrides struct {
	AttributePayload Override `json:"attributePayload,omitempty"`
	ThingTypeName    Override `json:"thingTypeName,omitempty"`
	ThingGroups      Override `json:"thingGroups,omitempty"`
}

// Override is an OverrideSettings value.
type Override string

// The OverrideSettings values; Merge is only valid for AttributePayload and
// ThingGroups.
const (
	DoNothing Override = "DO_NOTHING"
	Replace   Override = "REPLACE"
	Fail      Override = "FAIL" // answered with ResourceConflictsException
	Merge     Override = "MERGE"
)

// CertificateSource says which property identifies the certificate.
type CertificateSource string

// The three mutually exclusive certificate sources.
const (
	SourceCSR           CertificateSource = "CertificateSigningRequest"
	SourceCertificateID CertificateSource = "CertificateId"
	SourcePEM           CertificateSource = "CertificatePem"
)

// Certificate is an evaluated AWS::IoT::Certificate resource.
type Certificate struct {
	LogicalName string            `json:"logicalName"`
	Source      CertificateSource `json:"source"`
	Value       string            `json:"value"` // the CSR, the certificate id or the PEM
	// CACertificatePem goes with SourcePEM when several CAs share a subject.
	CACertificatePem string               `json:"caCertificatePem,omitempty"`
	Status           string               `json:"status"` // ACTIVE (default) or INACTIVE
	Overrides        CertificateOverrides `json:"overrides,omitzero"`
}

// CertificateOverrides holds the certificate's OverrideSettings.
type CertificateOverrides struct {
	Status Override `json:"status,omitempty"`
}

// Certificate statuses a template may set.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
)

// Policy is an evaluated AWS::IoT::Policy resource. With PolicyName alone
// it names an existing policy (PolicyDocument is empty); with a document it
// is a policy to create, named PolicyName or, without one, the hex SHA-256
// of the document.
type Policy struct {
	LogicalName    string `json:"logicalName"`
	PolicyName     string `json:"policyName"`
	PolicyDocument string `json:"policyDocument,omitempty"`
}

package scenario

// knownKeys lists, for every kind of mapping the decoder reads, the keys it
// accepts, in the order the manual presents them. Any other key is an
// error. The JSON Schema (schema.json) has a $defs entry of the same name
// with the same properties; TestSchemaKnowsEveryKey holds them equal.
var knownKeys = map[string][]string{
	"scenario": {"name", "seed", "duration", "indexing", "indexLag", "thingTypes", "thingGroups",
		"provisioningTemplates", "devices", "timeline", "expect"},

	// indexing: AWS ThingIndexingConfiguration.
	"indexing": {"thingIndexingMode", "thingConnectivityIndexingMode", "deviceDefenderIndexingMode",
		"namedShadowIndexingMode", "managedFields", "customFields", "filter"},
	"indexingField":  {"name", "type"},
	"indexingFilter": {"namedShadowNames", "geoLocations"},
	"geoLocation":    {"name", "order"},

	"thingType":  {"thingTypeName", "description", "searchableAttributes"},
	"thingGroup": {"thingGroupName", "description", "parentGroupName", "attributes", "queryString"},

	"provisioningTemplate": {"templateName", "description", "type", "enabled", "provisioningRoleArn", "templateBody", "safeguards"},
	// safeguards: FleetLab's claim limits, sent as fleetlab: tags.
	"safeguards": {"maxRegistrationsPerClaim", "registrationsPerMinute", "allowedSerials", "allowListParameter"},
	"fileRef":    {"file"},
	// templateBody: an AWS provisioning template.
	"templateBody":      {"Parameters", "Mappings", "Resources", "DeviceConfiguration"},
	"templateParameter": {"Type", "Default"},
	"templateResource":  {"Type", "Properties", "OverrideSettings"},

	"cohort":       {"name", "like", "count", "thingType", "groups", "provisioning", "attributes", "shadow", "churn", "connectivity", "jobs"},
	"provisioning": {"method", "template", "start", "over", "parameters"},
	"shadow":       {"reported", "desired"},
	"churn":        {"every", "reported", "desired"},
	"connectivity": {"up", "down"},
	"jobAgent":     {"download", "install", "stepTimeout", "outcome", "onSuccess", "rules"},
	"agentRule":    {"when", "job", "download", "install", "outcome"},
	"outcome":      {"SUCCEEDED", "FAILED", "REJECTED", "hang"},
	"onSuccess":    {"reported", "desired"},

	// distribution: a mapping with exactly one of these keys is a
	// distribution wherever a value is expected.
	"distribution": {"oneOf", "uniform", "normal", "exponential", "lognormal"},
	"normal":       {"mean", "stddev"},
	"lognormal":    {"median", "p99"},

	"timelineEntry": {"at", "createJob", "cancelJob", "query"},
	// createJob: the AWS CreateJob request body (aws iot create-job
	// --cli-input-json), and its nested shapes.
	"createJob": {"jobId", "targets", "document", "documentSource", "description", "targetSelection", "jobExecutionsRolloutConfig",
		"abortConfig", "timeoutConfig", "jobExecutionsRetryConfig", "presignedUrlConfig", "tags", "schedulingConfig"},
	"rolloutConfig":        {"maximumPerMinute", "exponentialRate"},
	"exponentialRate":      {"baseRatePerMinute", "incrementFactor", "rateIncreaseCriteria"},
	"rateIncreaseCriteria": {"numberOfNotifiedThings", "numberOfSucceededThings"},
	"abortConfig":          {"criteriaList"},
	"abortCriteria":        {"failureType", "action", "thresholdPercentage", "minNumberOfExecutedThings"},
	"timeoutConfig":        {"inProgressTimeoutInMinutes"},
	"retryConfig":          {"criteriaList"},
	"retryCriteria":        {"failureType", "numberOfRetries"},
	"presignedUrlConfig":   {"roleArn", "expiresInSec"},
	"tag":                  {"Key", "Value"},
	"cancelJob":            {"jobId", "force", "reasonCode", "comment"},
	"query":                {"name", "queryString"},

	"expect": {"job", "status", "reasonCode", "counter", "min", "max", "query", "equalsTruth", "count",
		"provisioned", "refused", "registrationTask"},
	"countRange":   {"min", "max"},
	"refusedRange": {"reason", "min", "max"},
}

// unsupportedKeys are keys AWS knows that the simulator does not run yet:
// they get a message of their own rather than "unknown key".
var unsupportedKeys = map[string]map[string]string{
	"createJob": {
		"jobTemplateArn":             "job templates are not simulated; put the document and configuration in the job",
		"documentParameters":         "documentParameters go with managed job templates, which are not simulated",
		"namespaceId":                "jobs namespaces are not simulated",
		"destinationPackageVersions": "software package catalog versions are not simulated",
	},
	"templateBody": {
		"Conditions": "AWS does not document conditions for IoT provisioning templates",
	},
}

package sigv4

// The planes fleetd serves on its one listener.
const (
	PlaneControl = "control" // the iot API: registry, jobs, indexing, ...
	PlaneData    = "data"    // iot-data: shadows, publish, retained messages
	PlaneJobs    = "jobs"    // iot-jobs-data: the device side of jobs
)

// Plane maps the service of a credential scope (the SigV4 signing name) to
// the API it addresses: "iot" (botocore ≥ 1.3x models) and "execute-api"
// (older models, CLI v2.9) to the control plane, "iotdata" and
// "iotdevicegateway" (older SDKs) to iot-data, "iot-jobs-data" to the jobs
// data plane. It reports false for any other service.
func Plane(service string) (string, bool) {
	switch service {
	case "iot", "execute-api":
		return PlaneControl, true
	case "iotdata", "iotdevicegateway":
		return PlaneData, true
	case "iot-jobs-data":
		return PlaneJobs, true
	}
	return "", false
}

package engine

import "testing"

// rulesFleet: 300 devices, a third each on firmware 2.0.3, 2.1.0 and
// 2.1.5. The agent always succeeds, except by rule: on 2.1.0 the update
// to 2.2.0 always fails, and on 2.1.5 it is rejected for job fw only (the
// second job, cfg, is not). Both jobs target everyone.
const rulesFleet = `
name: rules
seed: 9
duration: 2h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW}
thingGroups: [{thingGroupName: All}]
devices:
  - name: d
    count: 300
    groups: [All]
    shadow: {reported: {firmware_version: {oneOf: {"2.0.3": 0.34, "2.1.0": 0.33, "2.1.5": 0.33}}}}
    jobs:
      download: 10s
      outcome: {SUCCEEDED: 1}
      rules:
        - {when: 'shadow.reported.firmware_version:"2.1.0"', outcome: {FAILED: 1}}
        - {when: 'shadow.reported.firmware_version:"2.1.5"', job: fw, outcome: {REJECTED: 1}, install: 1m}
timeline:
  - at: 1m
    query: {name: on-2.1.0, queryString: 'shadow.reported.firmware_version:"2.1.0"'}
  - at: 1m
    query: {name: on-2.1.5, queryString: 'shadow.reported.firmware_version:"2.1.5"'}
  - at: 2m
    createJob: {jobId: fw, targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/All"], document: {version: "2.2.0"}}
  - at: 1h
    createJob: {jobId: cfg, targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/All"], document: {interval: 60}}
`

// TestAgentRules: each device follows the first rule its true state
// matches when an execution starts, and a rule for one job leaves the
// others alone.
func TestAgentRules(t *testing.T) {
	rep := run(t, parse(t, rulesFleet))
	on210, on215 := rep.Queries["on-2.1.0"].Truth, rep.Queries["on-2.1.5"].Truth
	if on210 == 0 || on215 == 0 || on210+on215 >= 300 {
		t.Fatalf("firmware split %d / %d of 300: the test needs all three versions", on210, on215)
	}
	fw := rep.Jobs["fw"].JobProcessDetails
	if fw.NumberOfFailedThings != on210 || fw.NumberOfRejectedThings != on215 || fw.NumberOfSucceededThings != 300-on210-on215 {
		t.Errorf("job fw: failed %d, rejected %d, succeeded %d; want %d, %d, %d",
			fw.NumberOfFailedThings, fw.NumberOfRejectedThings, fw.NumberOfSucceededThings, on210, on215, 300-on210-on215)
	}
	// cfg: the 2.1.0 rule applies to every job (their firmware did not
	// change: fw failed there), the 2.1.5 one only to fw.
	cfg := rep.Jobs["cfg"].JobProcessDetails
	if cfg.NumberOfFailedThings != on210 || cfg.NumberOfRejectedThings != 0 || cfg.NumberOfSucceededThings != 300-on210 {
		t.Errorf("job cfg: failed %d, rejected %d, succeeded %d; want %d, 0, %d",
			cfg.NumberOfFailedThings, cfg.NumberOfRejectedThings, cfg.NumberOfSucceededThings, on210, 300-on210)
	}
}

// TestAgentRulesOnDynamicGroups: a rule on thingGroupNames sees the
// dynamic groups the device's true state puts it in, as fleetd lists them
// in thingGroupNames. Devices on 2.1.0 are in Old and fail by rule; the
// others are not and succeed.
func TestAgentRulesOnDynamicGroups(t *testing.T) {
	rep := run(t, parse(t, `
name: rules-dynamic
seed: 9
duration: 1h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW}
thingGroups:
  - {thingGroupName: All}
  - {thingGroupName: Old, queryString: 'shadow.reported.firmware_version:"2.1.0"'}
devices:
  - name: d
    count: 100
    groups: [All]
    shadow: {reported: {firmware_version: {oneOf: {"2.1.0": 0.5, "2.1.5": 0.5}}}}
    jobs:
      download: 10s
      outcome: {SUCCEEDED: 1}
      rules:
        - {when: 'thingGroupNames:Old', outcome: {FAILED: 1}}
timeline:
  - at: 1m
    query: {name: old, queryString: 'thingGroupNames:Old'}
  - at: 2m
    createJob: {jobId: fw, targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/All"], document: {version: "2.2.0"}}
`))
	old := rep.Queries["old"]
	if old.Truth == 0 || old.Truth == 100 || old.Count != old.Truth {
		t.Fatalf("Old: index %d, truth %d of 100: the test needs both versions, and index = truth", old.Count, old.Truth)
	}
	fw := rep.Jobs["fw"].JobProcessDetails
	if fw.NumberOfFailedThings != old.Truth || fw.NumberOfSucceededThings != 100-old.Truth {
		t.Errorf("job fw: failed %d, succeeded %d; want %d, %d", fw.NumberOfFailedThings, fw.NumberOfSucceededThings, old.Truth, 100-old.Truth)
	}
}

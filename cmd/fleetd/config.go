package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// fileConfig is what --config FILE may hold: any flag by its name
// ("data", "http", "mqtts", "tls-names", "index-lag", …) and the
// credentials. Flags given on the command line win over the file; the
// environment's FLEETD_* credentials win over the file's.
//
//	{"data": "/var/lib/fleetd", "mqtts": "0.0.0.0:8883", "tls-names": "fleetd.lab",
//	 "accessKeyId": "AKID…", "secretAccessKey": "…"}
type fileConfig struct {
	AccessKeyID     string
	SecretAccessKey string
	// HookEndpoints maps a pre-provisioning hook's Lambda ARN (the
	// template's preProvisioningHook.targetArn) to the HTTP endpoint fleetd
	// POSTs its event to: {"hookEndpoints": {"arn:aws:lambda:…": "http://127.0.0.1:9000/hook"}}.
	HookEndpoints map[string]string
}

// applyConfigFile reads path and sets every flag it names that the command
// line did not set. Unknown keys are errors: a typo must not be ignored.
func applyConfigFile(fs *flag.FlagSet, path string) (fileConfig, error) {
	var cfg fileConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading --config: %w", err)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return cfg, fmt.Errorf("%s: not a JSON object: %w", path, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s = strings.TrimSpace(string(v)) // a number or a boolean, as written
		}
		switch k {
		case "hookEndpoints":
			if err := json.Unmarshal(v, &cfg.HookEndpoints); err != nil {
				return cfg, fmt.Errorf("%s: hookEndpoints must map Lambda ARNs to URLs: %w", path, err)
			}
			continue
		case "accessKeyId":
			cfg.AccessKeyID = s
			continue
		case "secretAccessKey":
			cfg.SecretAccessKey = s
			continue
		case "config":
			return cfg, fmt.Errorf("%s: a config file cannot name another (%q)", path, k)
		}
		if fs.Lookup(k) == nil {
			return cfg, fmt.Errorf("%s: unknown setting %q (settings are the flag names, plus accessKeyId, secretAccessKey and hookEndpoints)", path, k)
		}
		if set[k] {
			continue
		}
		if err := fs.Set(k, s); err != nil {
			return cfg, fmt.Errorf("%s: %s: %w", path, k, err)
		}
	}
	return cfg, nil
}

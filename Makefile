# FleetLab. Quick start: `make run`, then `make test`.
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO        ?= go
BIN       := bin
# Size of benchmark fleets; `make bench FLEETLAB_BENCH_THINGS=10000000`.
# Passed to the benchmarks only: tests keep their small default scale.
FLEETLAB_BENCH_THINGS ?= 1000000
# Packages with concurrent readers and writers (the simulator writes its
# index behind): tested with -race.
RACE_PKGS := ./index/... ./fleetd/core ./fleetd/store ./fleetd/node ./fleetd/mqttgw ./sim/engine

.PHONY: all build test vet race deps bench run run-index fmt lint fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

deps:
	@scripts/deps.sh /usr/bin/aws:awscli mosquitto_pub:mosquitto-clients

vet:
	$(GO) vet ./...

test: deps vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $(RACE_PKGS)

# The flagship rehearsal: an exponential firmware rollout with a bad hardware
# cohort that must trip the abort criteria. Reports go to out/flagship.
# SCALE multiplies the fleet (make run SCALE=10).
SCALE ?= 1
run: build
	$(BIN)/fleetsim run scenarios/firmware-rollout-abort.yaml --scale $(SCALE) --report out/flagship

# The fleet-index benchmark on a synthetic fleet of a million things.
run-index: build
	$(BIN)/fleetbench index --synthetic 1000000 --seed 1 --repeat 20 \
	  --query 'thingTypeName:TemperatureSensor AND attributes.region:us-east-1' \
	  --query 'shadow.reported.temperature > 70' \
	  --query 'connectivity.connected:true AND shadow.reported.firmware_version < "2.1.0"' \
	  --query 'thingGroupNames:ProductionDevices AND attributes.hw_rev:B AND shadow.reported.battery:[0 TO 20} AND NOT shadow.hasDelta:true' \
	  --query 'thingName:sensor-00001*'

bench: build
	FLEETLAB_BENCH_THINGS=$(FLEETLAB_BENCH_THINGS) $(GO) test -run='^$$' -bench=. -benchmem -count=1 -timeout=60m ./index/... ./fleetd/...
	$(BIN)/fleetbench index --synthetic $(FLEETLAB_BENCH_THINGS) --seed 1 --repeat 50 --queries bench/queries.txt
	$(BIN)/fleetbench index --synthetic $(FLEETLAB_BENCH_THINGS) --seed 1 --repeat 10 \
	  --query 'connectivity.connected:true' --agg statistics --field shadow.reported.temperature

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# Every parser of outside input, a minute each (FUZZTIME=10s for a quick pass).
FUZZTIME ?= 60s
FUZZ_TARGETS := ./index/query:FuzzParse ./fleetd/shadow:FuzzApplyUpdate ./fleetd/jobs:FuzzHandleMQTT \
  ./fleetd/jobs/schedule:FuzzParseCron ./fleetd/security/policy:FuzzParse ./fleetd/security/pki:FuzzSignCSR \
  ./fleetd/security/pki:FuzzParseCertificatePEM ./fleetd/provision/template:FuzzParse ./fleetd/provision/bulkinput:FuzzRead

fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t"; \
	  $(GO) test $${t%%:*} -run='^$$' -fuzz="^$${t##*:}$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=10s || exit 1; \
	done

clean:
	rm -rf $(BIN)

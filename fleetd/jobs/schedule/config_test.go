package schedule

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

var now0 = time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)

func TestDecodeAndCompile(t *testing.T) {
	body := `{"schedulingConfig": {"startTime": "2025-01-02T00:00", "endTime": "2025-01-31T00:00", "endBehavior": "CANCEL",
	  "maintenanceWindows": [{"startTime": "cron(0 2 ? * SAT,SUN *)", "durationInMinutes": 120}]}}`
	var req struct {
		SchedulingConfig *SchedulingConfig `json:"schedulingConfig"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		t.Fatal(err)
	}
	plan, err := Compile(req.SchedulingConfig, now0, Options{})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if plan.EndBehavior != EndCancel || !plan.Windows.Start.Equal(at(2025, 1, 2, 0, 0)) || !plan.Windows.End.Equal(at(2025, 1, 31, 0, 0)) {
		t.Errorf("plan = %+v", plan)
	}
	var got []string
	for _, s := range plan.Windows.NextStarts(now0, MaxScheduledRollouts) {
		got = append(got, FormatTime(s))
	}
	want := "2025-01-04T02:00 2025-01-05T02:00 2025-01-11T02:00 2025-01-12T02:00 2025-01-18T02:00 2025-01-19T02:00 2025-01-25T02:00"
	if strings.Join(got, " ") != want {
		t.Errorf("scheduledJobRollouts = %v; want %s", got, want)
	}
	out, err := json.Marshal(req.SchedulingConfig)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"startTime":"2025-01-02T00:00","endTime":"2025-01-31T00:00","endBehavior":"CANCEL",` +
		`"maintenanceWindows":[{"startTime":"cron(0 2 ? * SAT,SUN *)","durationInMinutes":120}]}`
	if string(out) != wantJSON {
		t.Errorf("json.Marshal = %s; want %s", out, wantJSON)
	}
}

func TestCompileDefaults(t *testing.T) {
	plan, err := Compile(nil, now0, Options{})
	if err != nil || !plan.Windows.Open(now0) || !plan.Windows.NextChange(now0).IsZero() || plan.EndBehavior != "" {
		t.Errorf("Compile(nil) = %+v, %v; want an always-open plan", plan, err)
	}
	end := "2025-01-01T11:00"
	plan, err = Compile(&SchedulingConfig{EndTime: &end}, now0, Options{})
	if err != nil || plan.EndBehavior != EndStopRollout || !plan.Windows.Start.IsZero() || !plan.Windows.Open(now0) {
		t.Errorf("endTime alone: %+v, %v; want open now, STOP_ROLLOUT at 11:00", plan, err)
	}
	// endBehavior without endTime does not apply (AWS), so it is accepted and dropped.
	start := "2025-01-01T11:00"
	plan, err = Compile(&SchedulingConfig{StartTime: &start, EndBehavior: EndForceCancel}, now0, Options{})
	if err != nil || plan.EndBehavior != "" {
		t.Errorf("endBehavior without endTime: %+v, %v; want accepted, no end behavior", plan, err)
	}
}

func TestParseTime(t *testing.T) {
	good := map[string]time.Time{
		"2025-01-01T10:00":          at(2025, 1, 1, 10, 0),
		"2025-01-01T10:00:30":       at(2025, 1, 1, 10, 0).Add(30 * time.Second),
		"2025-01-01T10:00Z":         at(2025, 1, 1, 10, 0),
		"2025-01-01T10:00:30Z":      at(2025, 1, 1, 10, 0).Add(30 * time.Second),
		"2025-01-01T12:00+02:00":    at(2025, 1, 1, 10, 0),
		"2025-01-01T05:00:00-05:00": at(2025, 1, 1, 10, 0),
		"2024-02-29T00:00":          at(2024, 2, 29, 0, 0),
	}
	for s, want := range good {
		if got, err := ParseTime(s); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2025-01-01", "2025-01-01 10:00", "2025-1-1T10:00", "2025-01-01T10:00:30.5",
		"2025-02-29T00:00", "2025-01-01T24:00", "10:00", "2025-01-01T10:00+2"} {
		if got, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) = %v; want an error", s, got)
		}
	}
	if got := FormatTime(at(2025, 1, 1, 10, 0).Add(30 * time.Second)); got != "2025-01-01T10:00" {
		t.Errorf("FormatTime = %q", got)
	}
}

func TestValidationMessages(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	tests := []struct {
		name string
		c    SchedulingConfig
		opt  Options
		want string // "" for valid
	}{
		{name: "valid, exactly 30 minutes ahead and apart",
			c: SchedulingConfig{StartTime: str("2025-01-01T10:30"), EndTime: str("2025-01-01T11:00")}},
		{name: "bad formats",
			c: SchedulingConfig{StartTime: str("2025-01-01 10:30"), EndTime: str("tomorrow")},
			want: `schedulingConfig.startTime must be YYYY-MM-DDTHH:MM (UTC, optionally with :SS and Z or an offset), got "2025-01-01 10:30"; ` +
				`schedulingConfig.endTime must be YYYY-MM-DDTHH:MM (UTC, optionally with :SS and Z or an offset), got "tomorrow"`},
		{name: "start too soon",
			c:    SchedulingConfig{StartTime: str("2025-01-01T10:29")},
			want: `schedulingConfig.startTime must be at least 30 minutes after the current time 2025-01-01T10:00:00Z, got 2025-01-01T10:29`},
		{name: "start in the past",
			c:    SchedulingConfig{StartTime: str("2024-12-31T10:00")},
			want: `schedulingConfig.startTime must be at least 30 minutes after the current time 2025-01-01T10:00:00Z, got 2024-12-31T10:00`},
		{name: "lead lifted by the simulator",
			c: SchedulingConfig{StartTime: str("2025-01-01T10:01"), EndTime: str("2025-01-01T10:31")}, opt: Options{MinLead: time.Minute}},
		{name: "lead removed: start now",
			c: SchedulingConfig{StartTime: str("2025-01-01T10:00"), EndTime: str("2025-01-01T10:30")}, opt: Options{MinLead: -1}},
		{name: "lifted lead still checked",
			c: SchedulingConfig{StartTime: str("2025-01-01T10:00")}, opt: Options{MinLead: 90 * time.Second},
			want: `schedulingConfig.startTime must be at least 1m30s after the current time 2025-01-01T10:00:00Z, got 2025-01-01T10:00`},
		{name: "start a year ahead is the limit",
			c: SchedulingConfig{StartTime: str("2026-01-01T10:00")}},
		{name: "start beyond a year",
			c:    SchedulingConfig{StartTime: str("2026-01-01T10:01")},
			want: `schedulingConfig.startTime must be at most 1 year after the current time 2025-01-01T10:00:00Z, got 2026-01-01T10:01`},
		{name: "end too soon",
			c:    SchedulingConfig{EndTime: str("2025-01-01T10:15")},
			want: `schedulingConfig.endTime must be at least 30 minutes after the current time 2025-01-01T10:00:00Z, got 2025-01-01T10:15`},
		{name: "end too close to start",
			c:    SchedulingConfig{StartTime: str("2025-01-02T00:00"), EndTime: str("2025-01-02T00:29")},
			want: `schedulingConfig.endTime must be at least 30 minutes after schedulingConfig.startTime 2025-01-02T00:00, got 2025-01-02T00:29`},
		{name: "end before start",
			c:    SchedulingConfig{StartTime: str("2025-01-03T00:00"), EndTime: str("2025-01-02T00:00")},
			want: `schedulingConfig.endTime must be at least 30 minutes after schedulingConfig.startTime 2025-01-03T00:00, got 2025-01-02T00:00`},
		{name: "end beyond two years",
			c:    SchedulingConfig{EndTime: str("2027-01-01T10:01")},
			want: `schedulingConfig.endTime must be at most 2 years after the current time 2025-01-01T10:00:00Z, got 2027-01-01T10:01`},
		{name: "end two years ahead is the limit",
			c: SchedulingConfig{StartTime: str("2025-06-01T00:00"), EndTime: str("2027-01-01T10:00")}},
		{name: "too long",
			c:    SchedulingConfig{StartTime: str("2025-01-01T10:00:00.000000000000000000000000000000000000000000000000Z")},
			want: `schedulingConfig.startTime must be at most 64 characters, got 69`},
		{name: "endBehavior",
			c:    SchedulingConfig{EndTime: str("2025-01-02T00:00"), EndBehavior: "ABORT"},
			want: `schedulingConfig.endBehavior must be one of STOP_ROLLOUT, CANCEL, FORCE_CANCEL, got "ABORT"`},
		{name: "every window problem at once",
			c: SchedulingConfig{StartTime: str("2025-01-02T00:00"), MaintenanceWindows: []MaintenanceWindow{
				{StartTime: str("cron(0 0 * * ? *)"), DurationInMinutes: num(0)},
				{StartTime: str("cron(0 0 ? * MON#6 *)"), DurationInMinutes: num(1431)},
				{},
				{StartTime: str("cron(0 0 * * ? *)"), DurationInMinutes: num(1430)},
				{StartTime: str("cron(" + strings.Repeat("0", 252) + ")"), DurationInMinutes: num(1)},
			}},
			want: `schedulingConfig.maintenanceWindows[0].durationInMinutes must be between 1 and 1430, got 0; ` +
				`schedulingConfig.maintenanceWindows[1].startTime "cron(0 0 ? * MON#6 *)" is not a valid cron expression: ` +
				`column 18: cron field 5 (day-of-week): week number 6 after # is out of range 1..5; ` +
				`schedulingConfig.maintenanceWindows[1].durationInMinutes must be between 1 and 1430, got 1431; ` +
				`schedulingConfig.maintenanceWindows[2].startTime is required; ` +
				`schedulingConfig.maintenanceWindows[2].durationInMinutes is required; ` +
				`schedulingConfig.maintenanceWindows[4].startTime must be at most 256 characters, got 258`},
		{name: "windows need neither start nor end",
			c: SchedulingConfig{MaintenanceWindows: []MaintenanceWindow{{StartTime: str("cron(0 0 * * ? *)"), DurationInMinutes: num(60)}}}},
	}
	for _, tt := range tests {
		err := tt.c.Validate(now0, tt.opt)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v; want nil", tt.name, err)
			}
			continue
		}
		e, ok := awserr.As(err)
		if !ok || e.Code != awserr.InvalidRequest || e.Status != 400 || e.Message != tt.want {
			t.Errorf("%s: Validate() = %v;\nwant InvalidRequestException: %s", tt.name, err, tt.want)
		}
	}
}

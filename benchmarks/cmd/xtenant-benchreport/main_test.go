package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	raw := `{"server":"xtenant-nocache","workload":"distinct","mode":"max","rep":1,"requests":100,"rps":500,"p50_ms":50,"p99_ms":190,"p999_ms":200,"server_steal_pct":2.5}
{"server":"xtenant-nocache","workload":"distinct","mode":"max","rep":2,"requests":100,"rps":520,"p50_ms":52,"p99_ms":210,"p999_ms":220,"server_steal_pct":3.5}
{"server":"opa","workload":"distinct","mode":"max","rep":1,"requests":100,"rps":250,"p50_ms":100,"p99_ms":400,"p999_ms":500}
{"server":"xtenant-nocache","workload":"distinct","mode":"half","rep":1,"requests":100,"rps":255,"p50_ms":2.5,"p99_ms":12,"p999_ms":18,"target_rate":255,"server_steal_pct":4}
{"server":"xtenant-nocache","workload":"distinct","mode":"half-floor","rep":1,"requests":100,"rps":255,"p50_ms":0.5,"p99_ms":3,"p999_ms":6,"target_rate":255,"server_steal_pct":1}
{"server":"opa","workload":"distinct","mode":"half","rep":1,"requests":100,"rps":125,"p50_ms":6,"p99_ms":50,"p999_ms":90,"target_rate":125}
`
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report(&out, "t", nil, recs)
	got := out.String()
	for _, want := range []string{
		// medians of two runs are their mean; steal as measured, n/a where not
		"| distinct | xtenant-nocache | 510 (500–520) | 51.00 (50.00–52.00) | 200.00 (190.00–210.00) | 210.00 (200.00–220.00) | 0 | 3.0 (2.5–3.5) |",
		"| distinct | opa | 250 (250–250) | 100.00 (100.00–100.00) | 400.00 (400.00–400.00) | 500.00 (500.00–500.00) | 0 | n/a |",
		"| distinct | n/a | n/a | 2.04 | n/a | 0.50 |",
		// the floor at xtenant's half rate sits on xtenant's row; opa had none
		"| xtenant-nocache | 255 | 255 (255–255) | 2.50 (2.50–2.50) | 12.00 (12.00–12.00) | 18.00 (18.00–18.00) | 0 | 4.0 (4.0–4.0) | 0.50 (0.50–0.50) | 3.00 (3.00–3.00) | 1.0 (1.0–1.0) |",
		"| opa | 125 | 125 (125–125) | 6.00 (6.00–6.00) | 50.00 (50.00–50.00) | 90.00 (90.00–90.00) | 0 | n/a | n/a | n/a | n/a |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks\n%s\ngot:\n%s", want, got)
		}
	}
	// A floor run is not a server of its own in the throughput tables.
	if strings.Count(got, "| distinct | xtenant-nocache |") != 1 {
		t.Errorf("xtenant-nocache listed more than once in the throughput table:\n%s", got)
	}
}

func TestReadNamesBadLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, []byte("{\"server\":\"opa\"}\n{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := read(path); err == nil || !strings.Contains(err.Error(), "run.jsonl:2") {
		t.Fatalf("read: %v, want an error naming line 2", err)
	}
}

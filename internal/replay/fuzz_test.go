package replay

import (
	"encoding/json"
	"testing"
)

// FuzzEmitLine: any line of a decision log either yields entries that are
// replayable (an input present, no cause) or carry a cause; never a panic,
// never an entry with both or neither.
func FuzzEmitLine(f *testing.F) {
	for _, s := range []string{
		`{"decision_id":"d","path":"xtenant/access/decision","input":{"access_type":"b2b_collaboration"},"result":{}}`,
		`{"decision_id":"d","path":"xtenant/access/decision","input":{},"erased":["/input/user/id"]}`,
		`[{"decision_id":"a","input":{}},{"path":"other"}]`,
		`{"access_type":"b2b_collaboration"}`,
		`not json`, `[1,2]`, `{"input":null}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		next := 0
		err := emitLine("f", 1, line, &next, func(e entry) error {
			if (e.input == nil) == (e.cause == "") {
				t.Fatalf("entry %+v: input and cause", e)
			}
			if e.input != nil && !json.Valid(e.input) {
				t.Fatalf("input not JSON: %q", e.input)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

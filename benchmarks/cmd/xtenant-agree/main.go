// Command xtenant-agree checks that two servers of the load harness decide
// alike before their speeds are compared: it sends the first -n inputs to
// xtenant's POST /v1/evaluate and to OPA's Data API and compares decision,
// denied_by, error_code and the set of reason codes. A throughput ratio
// between servers that answer differently would be meaningless.
//
//	xtenant-agree -xtenant http://127.0.0.1:18182 -opa http://127.0.0.1:18183 -inputs inputs.jsonl -n 200
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"
)

type decision struct {
	Decision  string  `json:"decision"`
	DeniedBy  *string `json:"denied_by"`
	ErrorCode *string `json:"error_code"`
	Reasons   []struct {
		Code string `json:"code"`
	} `json:"reasons"`
}

func (d decision) summary() string {
	codes := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		codes = append(codes, r.Code)
	}
	slices.Sort(codes)
	deref := func(s *string) string {
		if s == nil {
			return "null"
		}
		return *s
	}
	return fmt.Sprintf("%s denied_by=%s error_code=%s reasons=%v", d.Decision, deref(d.DeniedBy), deref(d.ErrorCode), codes)
}

func main() {
	xt := flag.String("xtenant", "", "xtenant base URL")
	opa := flag.String("opa", "", "opa base URL")
	inputs := flag.String("inputs", "", "inputs.jsonl")
	n := flag.Int("n", 200, "inputs to compare")
	flag.Parse()
	if err := run(*xt, *opa, *inputs, *n); err != nil {
		fmt.Fprintln(os.Stderr, "xtenant-agree:", err)
		os.Exit(1)
	}
}

func run(xt, opa, inputs string, n int) error {
	f, err := os.Open(inputs)
	if err != nil {
		return err
	}
	defer f.Close()
	client := &http.Client{Timeout: 30 * time.Second}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	compared, differ := 0, 0
	for compared < n && sc.Scan() {
		body := sc.Bytes()
		var a decision
		if err := post(client, xt+"/v1/evaluate", body, &a); err != nil {
			return err
		}
		var b struct {
			Result *decision `json:"result"`
		}
		if err := post(client, opa+"/v1/data/xtenant/access/decision", append(append([]byte(`{"input":`), body...), '}'), &b); err != nil {
			return err
		}
		if b.Result == nil {
			return fmt.Errorf("input %d: opa: decision undefined", compared)
		}
		if a.summary() != b.Result.summary() {
			differ++
			if differ <= 5 {
				fmt.Fprintf(os.Stderr, "input %d differs:\n  xtenant: %s\n  opa:     %s\n", compared, a.summary(), b.Result.summary())
			}
		}
		compared++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Printf("compared %d inputs: %d differ\n", compared, differ)
	if differ > 0 {
		return fmt.Errorf("%d of %d decisions differ", differ, compared)
	}
	return nil
}

func post(c *http.Client, url string, body []byte, v any) error {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %.200s", url, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, v)
}

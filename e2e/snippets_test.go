package e2e

import (
	"os"
	"strings"
	"testing"
)

// fencedBlocks returns the contents of every ```lang block of a Markdown
// text.
func fencedBlocks(md, lang string) []string {
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		switch {
		case cur == nil && trimmed == "```"+lang:
			cur = &strings.Builder{}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line)
		}
	}
	return blocks
}

// TestReadmeGatewaySnippets keeps the README's gateway snippets the files
// the end-to-end tests run: a snippet that drifts from the tested file is
// how a client's forged X-Xtenant-Access-Type once turned a 403 into a 200
// through the README's NGINX configuration.
func TestReadmeGatewaySnippets(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, file string }{
		{"nginx", "../deploy/nginx/xtenant.conf"},
		{"caddyfile", "../deploy/caddy/Caddyfile"},
	} {
		want, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		blocks := fencedBlocks(string(readme), tt.lang)
		if len(blocks) == 0 {
			t.Errorf("README.md has no ```%s block: it must show %s", tt.lang, tt.file)
		}
		for i, b := range blocks {
			if b != string(want) {
				t.Errorf("README.md's ```%s block %d differs from %s, the tested file; paste the file as it is", tt.lang, i+1, tt.file)
			}
		}
	}
}

func TestFencedBlocks(t *testing.T) {
	md := "a\n```nginx\nx;\n\n y;\n```\n```sh\nz\n```\n```nginx\n```\n"
	got := fencedBlocks(md, "nginx")
	if len(got) != 2 || got[0] != "x;\n\n y;\n" || got[1] != "" {
		t.Fatalf("got %q", got)
	}
}

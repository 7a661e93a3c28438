package https

import (
	"errors"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

func TestNamesRefusesBadInput(t *testing.T) {
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = string(rune('a'+i)) + ".example.com"
	}
	long := strings.Repeat("abcdefghi.", 26) + "com" // 263 characters
	cases := []struct {
		name    string
		domain  string
		alts    []string
		wantMsg string
		hint    string
	}{
		{"URL", "https://example.com", nil, "is a URL", "--domain example.com"},
		{"wildcard", "*.example.com", nil, "wildcard", "--alt-domain www.example.com"},
		{"wildcard alternative", "example.com", []string{"*.example.com"}, "wildcard", "List each name"},
		{"ten alternatives", "example.com", ten, "at most 9", "at most 9"},
		{"empty alternative", "example.com", []string{""}, "empty", "leave the flag out"},
		{"blank alternative", "example.com", []string{"  "}, "empty", "leave the flag out"},
		{"over 253 characters", long, nil, "at most 253", "shorter"},
		{"label over 63", strings.Repeat("a", 64) + ".example.com", nil, "at most 63", "Shorten"},
		{"not qualified", "localhost", nil, "not fully qualified", "localhost.com"},
		{"port", "example.com:8080", nil, "no path, port", "example.com"},
		{"underscore", "my_site.example.com", nil, "character '_'", "spelling"},
		{"hyphen at the edge", "-a.example.com", nil, "hyphen", "letters and digits"},
		{"unicode name", "bücher.example", nil, "punycode", "--domain xn--bcher-kva.example"},
		{"alternatives without a domain", "", []string{"www.example.com"}, "without --domain", "--domain example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Names(c.domain, c.alts)
			var ue *steps.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Names(%q, %q) = %q, %v; want a usage error", c.domain, c.alts, got, err)
			}
			if !strings.Contains(ue.Msg, c.wantMsg) || !strings.Contains(ue.Hint, c.hint) {
				t.Errorf("error %q / hint %q; want %q / %q", ue.Msg, ue.Hint, c.wantMsg, c.hint)
			}
		})
	}
}

func TestNamesAcceptsAndNormalises(t *testing.T) {
	cases := []struct {
		name   string
		domain string
		alts   []string
		want   []string
	}{
		{"none", "", nil, nil},
		{"one", "Example.COM.", nil, []string{"example.com"}},
		{"with www, duplicate dropped", "example.com", []string{"www.example.com", "EXAMPLE.com"}, []string{"example.com", "www.example.com"}},
		{"punycode given", "xn--bcher-kva.example", nil, []string{"xn--bcher-kva.example"}},
		{"nine alternatives", "example.com", []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com", "f.example.com", "g.example.com", "h.example.com", "i.example.com"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Names(c.domain, c.alts)
			if err != nil {
				t.Fatal(err)
			}
			if c.want != nil && strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("Names = %q, want %q", got, c.want)
			}
			if c.want == nil && c.domain != "" && len(got) != 1+len(c.alts) {
				t.Errorf("Names = %q", got)
			}
		})
	}
}

func TestPunycodeRFC3492(t *testing.T) {
	cases := []struct{ in, want string }{
		{"bücher", "bcher-kva"},
		{"münchen", "mnchen-3ya"},
		{"ü", "tda"},
		{"例え", "r8jz45g"},
		{"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"}, // RFC 3492 7.1 (A) Arabic
	}
	for _, c := range cases {
		got, err := punycode(c.in)
		if err != nil || got != c.want {
			t.Errorf("punycode(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

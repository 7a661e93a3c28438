package https

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

// maxAlternativeNames is Lightsail's limit on a load balancer certificate's alternative names.
const maxAlternativeNames = 9

// Names validates the domain and its alternatives (before any AWS call) and returns them
// lower-cased, primary first, duplicates dropped. Bad input is a *steps.UsageError naming the flag.
func Names(domain string, alts []string) ([]string, error) {
	if strings.TrimSpace(domain) == "" {
		if len(alts) > 0 {
			return nil, &steps.UsageError{Msg: "--alt-domain was given without --domain",
				Hint: "Pass the main name too, e.g. --domain example.com --alt-domain www.example.com."}
		}
		return nil, nil
	}
	if len(alts) > maxAlternativeNames {
		return nil, tooManyNames(len(alts), strings.ToLower(strings.TrimSpace(domain)))
	}
	first, err := checkName("--domain", domain)
	if err != nil {
		return nil, err
	}
	names := []string{first}
	for _, a := range alts {
		n, err := checkName("--alt-domain", a)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// checkName applies ACM's rules for a certificate name: a fully qualified host name in ASCII, no
// wildcard, at most 253 characters, labels of 1-63 letters, digits and inner hyphens.
func checkName(flag, raw string) (string, error) {
	bad := func(why, hint string) error {
		return &steps.UsageError{Msg: fmt.Sprintf("%s %q: %s", flag, raw, why), Hint: hint}
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", bad("the name is empty", "Give a host name such as www.example.com, or leave the flag out.")
	}
	if i := strings.Index(s, "://"); i >= 0 {
		host, _, _ := strings.Cut(s[i+3:], "/")
		return "", bad("this is a URL, not a host name", fmt.Sprintf("Give the bare name: %s %s.", flag, host))
	}
	if strings.Contains(s, "*") {
		return "", bad("wildcard names are not supported by Lightsail load balancer certificates",
			"List each name instead, e.g. --domain example.com --alt-domain www.example.com.")
	}
	if strings.ContainsAny(s, "/:@ ") {
		return "", bad("a host name has no path, port, user or spaces", "Give the bare name, e.g. "+flag+" example.com.")
	}
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if ascii, err := toASCII(s); err != nil {
		return "", bad(err.Error(), "Give the name as your registrar shows it in ASCII (xn--…).")
	} else if ascii != s {
		return "", bad("internationalised names must be given in their ASCII (punycode) form",
			fmt.Sprintf("Use %s %s.", flag, ascii))
	}
	if len(s) > 253 {
		return "", bad(fmt.Sprintf("the name is %d characters long; DNS allows at most 253", len(s)), "Use a shorter host name.")
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "", bad("the name is not fully qualified", fmt.Sprintf("Give the full name, e.g. %s %s.com.", flag, s))
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "", bad("the name has an empty label (two dots in a row)", "Remove the extra dot.")
		case len(l) > 63:
			return "", bad(fmt.Sprintf("the label %.12q… is %d characters long; DNS allows at most 63", l, len(l)), "Shorten that part of the name.")
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", bad(fmt.Sprintf("the label %q starts or ends with a hyphen", l), "Use letters and digits at both ends of each label.")
		}
		for _, c := range l {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return "", bad(fmt.Sprintf("the label %q has the character %q; use letters, digits and hyphens", l, c), "Check the spelling of the name.")
			}
		}
	}
	return s, nil
}

// toASCII encodes each non-ASCII label with punycode (RFC 3492) and the xn-- prefix. It lower-cases
// but does not apply the full IDNA mapping (golang.org/x/net/idna is not a dependency), which is
// why a Unicode name is refused with this form as the hint rather than used silently.
func toASCII(s string) (string, error) {
	labels := strings.Split(s, ".")
	for i, l := range labels {
		if isASCII(l) {
			continue
		}
		enc, err := punycode(l)
		if err != nil {
			return "", err
		}
		labels[i] = "xn--" + enc
	}
	return strings.Join(labels, "."), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// RFC 3492 parameters.
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

var errPunycodeOverflow = errors.New("the name is too long to encode")

// punycode encodes one label (RFC 3492 section 6.3).
func punycode(label string) (string, error) {
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h < len(runes) {
		m := int(^uint32(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m-n)*(h+1) > 1<<30 {
			return "", errPunycodeOverflow
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := min(max(k-bias, pcTMin), pcTMax)
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out), nil
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyAdapt(delta, points int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / points
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

package steps

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// OptionKind is how a setting is typed on the command line and asked in the wizard.
type OptionKind int

const (
	// OptionText is one value: --domain example.com.
	OptionText OptionKind = iota
	// OptionList is several values, comma-separated or the flag repeated: --ssh-cidr a,b.
	OptionList
	// OptionSwitch is on or off: --auto-snapshot.
	OptionSwitch
)

// Choice is one answer of a question that has a fixed set of them.
type Choice struct {
	Value string
	Label string // in words, with the price when there is one
}

// Option is one setting a step lets the user choose, declared once: cmd/ makes the flag from it,
// tui/ the question, and ValidateSettings the check — so the flag, the question and the error
// cannot drift apart.
type Option struct {
	// Flag is the flag's name without dashes ("keep-logs"); errors name it.
	Flag string
	// Arg is the placeholder in the flag's help ("N").
	Arg  string
	Kind OptionKind
	// Usage is the flag's one-line help.
	Usage string
	// Question, when set, is what the wizard asks; Note is the line under it.
	Question string
	Note     string
	// Choices, when set, are the answers offered in words; Custom, when also set, is the label of
	// one more choice that lets the user type a value in the flag's own syntax (a cron line).
	Choices []Choice
	Custom  string
	// AskIf, when set, limits the question to what Check found: the wizard asks it only when
	// AskIf holds (the other open ports to close, when there are some).
	AskIf func(State) bool
	// Needed says the step does nothing while the setting is unset (it is skipped): the wizard
	// visits the skipped step to ask for it rather than saying which flag to pass.
	Needed bool
	// Zone, when set, says the value is a time of day on the instance's clock and returns the
	// instance's time zone (an IANA name such as "Europe/Paris") from what Check found, "" when
	// unknown; the wizard shows the same time in the user's own zone beside it.
	Zone func(State) string
	// Default is the value used when the setting is unset ("" for none).
	Default string
	// Suggest, when set, is what the wizard offers for an unset setting from what the step's Check
	// found (the address the instance sees for this session); "" when it found nothing to offer.
	Suggest func(State) string
	// SuggestLabel names what Suggest found, for the line under the question ("Your address as the
	// instance sees it").
	SuggestLabel string
	// Get reads the setting ("" when unset; lists comma-separated).
	Get func(Settings) string
	// Set parses and checks v and stores it; a bad value is a *UsageError naming --Flag and the fix.
	Set func(s *Settings, v string) error
}

// Bad is the error for a bad value of o: exit 3, naming the flag, with the hint that fixes it.
func (o Option) Bad(v, why, hint string) error {
	return &UsageError{Msg: fmt.Sprintf("--%s %q: %s", o.Flag, v, why), Hint: hint}
}

// Setter is the Set of most options, in three parts: v passes o's CheckText, parse makes the value
// of it (a bad one is o.Bad's error), and put stores the value.
func Setter[T any](o *Option, parse func(v string) (T, error), put func(*Settings, T)) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		if err := o.CheckText(v); err != nil {
			return err
		}
		x, err := parse(v)
		if err != nil {
			return err
		}
		put(s, x)
		return nil
	}
}

// Switch completes o as an on/off setting kept in the field of Settings that field points at: Get
// is "true" when on, "" when off; Set takes true/false as Go parses them, and yes/no, on/off in any
// case, and refuses anything else with hint.
func Switch(o Option, field func(*Settings) *bool, hint string) Option {
	o.Kind = OptionSwitch
	o.Get = func(s Settings) string {
		if *field(&s) {
			return "true"
		}
		return ""
	}
	o.Set = func(s *Settings, v string) error {
		on, ok := switchValue(v)
		if !ok {
			return o.Bad(v, "is neither on nor off", hint)
		}
		*field(s) = on
		return nil
	}
	return o
}

// switchValue reads a switch's value: true/false as Go parses them, and yes/no, on/off.
func switchValue(v string) (on, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "yes", "on":
		return true, true
	case "no", "off":
		return false, true
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}

// SplitList splits a list answer at commas and spaces.
func SplitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// ValidateSettings checks every set value against its option, so a bad value is refused before
// anything runs; the first bad one is returned.
func ValidateSettings(s Settings, opts []Option) error {
	for _, o := range opts {
		v := o.Get(s)
		if v == "" {
			continue
		}
		var scratch Settings
		if err := o.Set(&scratch, v); err != nil {
			return err
		}
	}
	return nil
}

// WithDefaults fills every unset setting that has a default.
func WithDefaults(s Settings, opts []Option) Settings {
	for _, o := range opts {
		if o.Default != "" && o.Get(s) == "" {
			// Defaults are the options' own values; one that does not parse is a bug seen in tests.
			if err := o.Set(&s, o.Default); err != nil {
				panic(fmt.Sprintf("default of --%s: %v", o.Flag, err))
			}
		}
	}
	return s
}

// maxValueLen bounds any one value: longer is a paste gone wrong, not a setting.
const maxValueLen = 4096

// CheckText refuses what no setting may hold, before the option reads v: invalid UTF-8, control
// characters and runes that do not print (bidi overrides, zero-width spaces, a non-breaking space),
// and values longer than 4096 bytes. Nothing is stripped: the user retypes the value.
func (o Option) CheckText(v string) error {
	if len(v) > maxValueLen {
		return &UsageError{Msg: fmt.Sprintf("--%s: the value is %d bytes long; at most %d are accepted", o.Flag, len(v), maxValueLen),
			Hint: "Give the value itself, not a file's contents, e.g. " + o.example() + "."}
	}
	if !utf8.ValidString(v) {
		return o.Bad(v, "is not valid UTF-8 text", "Type the value again as plain text, e.g. "+o.example()+".")
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return o.Bad(v, fmt.Sprintf("contains the control or invisible character %U", r),
				"Type the value again without it (paste into a plain-text editor first), e.g. "+o.example()+".")
		}
	}
	return nil
}

// CheckASCII is CheckText, then printable ASCII only: for values a program on the instance reads
// byte by byte (cron, mail), where a look-alike letter ("ſun" for "sun") would be taken differently.
func (o Option) CheckASCII(v string) error {
	if err := o.CheckText(v); err != nil {
		return err
	}
	for _, r := range v {
		if r > unicode.MaxASCII {
			return o.Bad(v, fmt.Sprintf("contains %q (%U); only ASCII letters, digits and punctuation are accepted", r, r),
				"Type the value with plain ASCII characters, e.g. "+o.example()+".")
		}
	}
	return nil
}

// example is the flag with a value that is accepted, for hints.
func (o Option) example() string {
	if strings.ContainsAny(o.Default, " *") {
		return fmt.Sprintf("--%s %q", o.Flag, o.Default)
	}
	if o.Default != "" {
		return "--" + o.Flag + " " + o.Default
	}
	return "--" + o.Flag + " " + cmp.Or(o.Arg, "VALUE")
}

// maxMailLen is the longest address SMTP carries (RFC 5321: a 256-octet path less the brackets).
const maxMailLen = 254

// mailRE is an address that is safe as an argument to a command run by root: it starts with a letter
// or digit (never "-", an option), and holds only the characters real addresses use.
var mailRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
})

// CheckMail is v, trimmed, when it is an email address o may take ("" too), else o's error for it:
// one check for every step that asks for an address.
func (o Option) CheckMail(v string) (string, error) {
	if err := o.CheckASCII(v); err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
	case len(v) > maxMailLen:
		return "", o.Bad(v, fmt.Sprintf("longer than %d characters", maxMailLen), "Use --"+o.Flag+" you@example.com.")
	case !mailRE().MatchString(v):
		return "", o.Bad(v, "not an email address (it must start with a letter or digit, and have only letters, digits and ._%+- before the @)",
			"Use --"+o.Flag+" you@example.com.")
	}
	return v, nil
}

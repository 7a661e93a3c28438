package upgrades

import (
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

var clockRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`) })

// Options are the step's settings: where reports are mailed, and when the host may reboot.
func (*Step) Options() []steps.Option { return []steps.Option{mailOption(), rebootOption()} }

func mailOption() steps.Option {
	o := steps.Option{
		Flag:     "mail",
		Arg:      "ADDRESS",
		Kind:     steps.OptionText,
		Usage:    "address that unattended-upgrades mails its reports to",
		Question: "Mail update reports to",
		Note:     "An email address for what was upgraded and any problem; leave it empty for no mails. " + relayNote,
		Get:      func(s steps.Settings) string { return s.Mail },
	}
	o.Set = steps.Setter(&o, func(v string) (string, error) {
		v, err := o.CheckMail(v)
		if err != nil {
			return "", err
		}
		// apt's quoted strings have no escapes: an address the editor cannot write is refused here.
		if _, err := quote(v); err != nil {
			return "", o.Bad(v, "cannot be written to apt's configuration: "+ErrBadValue.Error(),
				"Use a plain address such as --mail you@example.com.")
		}
		return v, nil
	}, func(s *steps.Settings, v string) { s.Mail = v })
	return o
}

// relayNote says what update mails need: the instance sends mail only through a relay, and a
// Lightsail instance has none to begin with.
const relayNote = "Mails need a mail relay (an SMTP service such as Amazon SES, SendGrid or Mailgun), and this " +
	"instance has none: AWS blocks mail sent straight from it. To get one, sign up with such a service, then have " +
	"the instance's mail server send through it (Amazon SES's guide \"Integrating Amazon SES with Postfix\" shows " +
	"how); until then the reports go nowhere."

func rebootOption() steps.Option {
	o := steps.Option{
		Flag:     "reboot-time",
		Arg:      "HH:MM",
		Kind:     steps.OptionText,
		Usage:    "when an update that needs it may reboot the instance (24-hour clock)",
		Question: "Reboot time (24-hour HH:MM)",
		Note:     "When an update that needs it may reboot the instance: a quiet hour for your visitors.",
		Zone:     zoneIn,
		Default:  DefaultRebootTime,
		Get:      func(s steps.Settings) string { return s.RebootTime },
	}
	o.Set = steps.Setter(&o, func(v string) (string, error) {
		v = strings.TrimSpace(v)
		if !clockRE().MatchString(v) {
			return "", o.Bad(v, "not a time of day", "Use 24-hour HH:MM, e.g. --reboot-time 02:00.")
		}
		return v, nil
	}, func(s *steps.Settings, v string) { s.RebootTime = v })
	return o
}

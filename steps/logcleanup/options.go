package logcleanup

import (
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

// The step's defaults, used where a setting is unset (design.md §2).
const (
	defaultKeepLogs = 3
	defaultCron     = "0 3 * * 0" // Sundays at 03:00
	maxKeepLogs     = 1000
)

const (
	keepLogsHint = "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."
	cronHint     = `Use five cron fields, e.g. --cron "0 3 * * 0" (Sundays at 03:00).`
)

// Options are the step's settings: how many rotated copies to keep, and when the cleanup runs.
func (*Step) Options() []steps.Option { return options() }

func options() []steps.Option {
	keep := steps.Option{
		Flag: "keep-logs", Arg: "N", Kind: steps.OptionText,
		Usage:    "rotated logs to keep per log family",
		Question: "Rotated logs to keep",
		Note:     "How many of the newest rotated logs to keep per log family; older ones are deleted.",
		Default:  strconv.Itoa(defaultKeepLogs),
		Get: func(s steps.Settings) string {
			if s.KeepLogs == 0 {
				return ""
			}
			return strconv.Itoa(s.KeepLogs)
		},
	}
	keep.Set = steps.Setter(&keep, func(v string) (int, error) {
		digits := strings.TrimSpace(v)
		n, err := strconv.Atoi(digits)
		switch {
		case err != nil:
			return 0, keep.Bad(v, "not a whole number", keepLogsHint)
		case n < 1 || n > maxKeepLogs:
			// 0 is refused, never read as "none" or as the default.
			return 0, keep.Bad(v, "out of range", keepLogsHint)
		case strings.Trim(digits, "0123456789") != "":
			// Atoi takes "+3": a count is digits only, so what is saved is what was typed.
			return 0, keep.Bad(v, "write the number with digits only", keepLogsHint)
		}
		return n, nil
	}, func(s *steps.Settings, n int) { s.KeepLogs = n })
	schedule := steps.Option{
		Flag: "cron", Arg: "SCHEDULE", Kind: steps.OptionText,
		Usage:    "log clean-up schedule in five cron fields (default \"0 3 * * 0\": Sundays at 03:00)",
		Question: "When should the clean-up run?",
		Note:     "On the instance's clock, at a quiet hour.",
		Choices: []steps.Choice{
			{Value: defaultCron, Label: "Weekly, on Sunday at 03:00"},
			{Value: "0 3 * * 3", Label: "Weekly, on Wednesday at 03:00"},
			{Value: "0 3 * * *", Label: "Daily, at 03:00"},
			{Value: "0 3 1 * *", Label: "Monthly, on the 1st at 03:00"},
		},
		Custom:  `Another schedule, in cron's five fields ("0 3 * * 0" is Sundays at 03:00)`,
		Default: defaultCron,
		Get:     func(s steps.Settings) string { return s.Cron },
	}
	schedule.Set = func(s *steps.Settings, v string) error {
		if err := schedule.CheckASCII(v); err != nil {
			return err
		}
		if err := steps.ValidateCron(v); err != nil {
			return schedule.Bad(v, err.Error(), cronHint)
		}
		// One space between fields, so the cron line (and the plan) do not depend on how it was typed.
		s.Cron = strings.Join(strings.Fields(v), " ")
		return nil
	}
	return []steps.Option{keep, schedule}
}

// target reads the two settings the step uses through its options (defaults for unset ones),
// refusing bad ones before anything changes.
func target(s steps.Settings) (schedule string, keep int, err error) {
	var t steps.Settings
	for _, o := range options() {
		v := o.Get(s)
		if v == "" {
			v = o.Default
		}
		if err := o.Set(&t, v); err != nil {
			return "", 0, err
		}
	}
	return t.Cron, t.KeepLogs, nil
}

package main

import (
	"cmp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/steps"
)

// stepFlags are the flags the steps' options make (steps.Option): cmd/ names none of them. Values
// are kept as typed and set over the saved settings by the option itself, so the flag, the wizard's
// question and the error for a bad value are one declaration.
type stepFlags struct {
	opts  []steps.Option
	given map[string][]string
}

// optionValue is one option's flag: it records what was typed (a list flag may be repeated).
type optionValue struct {
	f   *stepFlags
	opt steps.Option
}

func (v optionValue) String() string { return strings.Join(v.f.given[v.opt.Flag], ",") }

func (v optionValue) Set(s string) error {
	v.f.given[v.opt.Flag] = append(v.f.given[v.opt.Flag], s)
	return nil
}

// Type is the placeholder help shows after the flag (--ssh-cidr CIDR); pflag takes it from here.
func (v optionValue) Type() string {
	if v.opt.Kind == steps.OptionSwitch {
		return "bool"
	}
	return cmp.Or(v.opt.Arg, "string")
}

// IsBoolFlag lets a switch be given without a value (--auto-snapshot).
func (v optionValue) IsBoolFlag() bool { return v.opt.Kind == steps.OptionSwitch }

// register adds a flag for every option to fs: each command that reads the steps' settings
// (addStepFlags) has its own stepFlags, the others none. Steps that ask for the same setting (--mail) share one flag:
// the first declaration makes it, and every one of them checks its value (over).
func (f *stepFlags) register(fs *pflag.FlagSet, opts []steps.Option) {
	if f.given == nil {
		f.given = map[string][]string{}
	}
	f.opts = opts
	for _, o := range opts {
		usage := strings.ReplaceAll(o.Usage, "`", "")
		if o.Default != "" && !strings.Contains(usage, "default") {
			usage += " (default " + o.Default + ")"
		}
		if shared := fs.Lookup(o.Flag); shared != nil {
			shared.Usage += "; " + usage
			continue
		}
		fl := fs.VarPF(optionValue{f: f, opt: o}, o.Flag, "", usage)
		if o.Kind == steps.OptionSwitch {
			fl.NoOptDefVal = "true"
		}
	}
}

// over returns s with every flag given on the command line set by its option; a bad value is the
// option's *steps.UsageError (exit 3).
func (f *stepFlags) over(s steps.Settings) (steps.Settings, error) {
	for _, o := range f.opts {
		vs, ok := f.given[o.Flag]
		if !ok {
			continue
		}
		if err := o.Set(&s, strings.Join(vs, ",")); err != nil {
			return s, err
		}
	}
	return s, nil
}

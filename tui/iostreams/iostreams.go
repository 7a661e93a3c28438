// Package iostreams is the one place terminal output goes through: stdin/stdout/stderr, whether
// they are terminals, whether to colour, and the plain confirmation prompt. Tests swap in buffers.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/hardsail/hardsail/tui/theme"
)

// IOStreams are the program's standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY  bool
	OutTTY bool
	// ErrTTY: stderr is a terminal (where a progress display may go).
	ErrTTY bool
	// NoColor is set by --no-color, NO_COLOR or TERM=dumb; CLICOLOR_FORCE colours even off a terminal.
	NoColor    bool
	ForceColor bool
	// Accessible asks for plain line-by-line prompts (--accessible, TERM=dumb).
	Accessible bool
	// DarkBackground picks the theme variant.
	DarkBackground bool

	in *bufio.Reader
}

// System returns the process's streams, reading the environment's colour and terminal settings.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:          term.IsTerminal(os.Stdin.Fd()),
		OutTTY:         term.IsTerminal(os.Stdout.Fd()),
		ErrTTY:         term.IsTerminal(os.Stderr.Fd()),
		NoColor:        os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb",
		ForceColor:     os.Getenv("CLICOLOR_FORCE") != "" && os.Getenv("CLICOLOR_FORCE") != "0",
		Accessible:     os.Getenv("TERM") == "dumb",
		DarkBackground: true,
	}
	return s
}

// Test returns streams backed by buffers: stdin from in, and the two output buffers.
func Test(in string) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut}, out, errOut
}

// Interactive reports whether a person can answer prompts: both stdin and stdout are terminals.
func (s *IOStreams) Interactive() bool { return s.InTTY && s.OutTTY }

// ColorEnabled reports whether output may carry colour.
func (s *IOStreams) ColorEnabled() bool {
	if s.NoColor {
		return false
	}
	return s.OutTTY || s.ForceColor
}

// Theme returns the theme matching the colour settings.
func (s *IOStreams) Theme() theme.Theme {
	if !s.ColorEnabled() {
		return theme.Plain()
	}
	return theme.New(s.DarkBackground)
}

// ErrCancelled is a prompt answered with anything but yes, or input closed.
var ErrCancelled = errors.New("cancelled")

// Confirm asks a yes/no question on the terminal; only "yes" (or "y") proceeds, as Terraform does.
func (s *IOStreams) Confirm(question string) (bool, error) {
	if s.in == nil {
		s.in = bufio.NewReader(s.In)
	}
	fmt.Fprintf(s.Out, "%s\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", question)
	line, err := s.in.ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(s.Out)
		return false, ErrCancelled
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "yes", "y":
		return true, nil
	}
	return false, nil
}

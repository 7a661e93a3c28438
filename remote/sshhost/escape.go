package sshhost

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes remote text safe to show on a terminal: control characters (C0, C1), format runes
// (bidi overrides such as U+202E, zero-width joiners), other non-printable runes and invalid
// UTF-8 are written as Go escapes (\x1b, \u202e), so a file name or a note cannot move the cursor,
// recolour the screen or reorder what the user reads. Printable text, spaces included, is kept.
func Escape(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case printable(r):
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// printable is a rune that shows as itself: letters, marks, numbers, punctuation, symbols and the
// ASCII space. Format runes (Cf: bidi overrides, zero-width joiners) and other spaces are not.
func printable(r rune) bool { return unicode.IsPrint(r) }

func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !printable(r) {
			return false
		}
	}
	return true
}

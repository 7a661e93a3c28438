package iamadmin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/mdp/qrterminal/v3"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// codeAttempts is how many pairs of codes the user may type before enrolment is given up.
const codeAttempts = 3

var sixDigits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{6}$`) })

// checkCode accepts what an authenticator app shows: six digits, spaces allowed ("123 456").
func checkCode(s string) error {
	if !sixDigits().MatchString(strings.ReplaceAll(strings.TrimSpace(s), " ", "")) {
		return errors.New("type the 6 digits the app shows, e.g. 123456")
	}
	return nil
}

// enrolMFA offers a virtual MFA device for the user: create it, show its QR code and secret,
// read two consecutive codes, enable it. Declining, or codes that never match, leave MFA pending
// for the rest of this run (a run note) rather than failing the step.
func (r *run) enrolMFA(ctx context.Context, c steps.Change) error {
	ask := r.env.Ask
	if ask == nil {
		r.env.SetRunNote(noteMFASkipped, "no terminal to enrol at")
		return nil
	}
	ok, err := ask.Confirm(ctx, "Enrol a virtual MFA device for "+r.user+" now? You need an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, 1Password…).", true)
	if err != nil && !errors.Is(err, steps.ErrDismissed) {
		return fmt.Errorf("ask about MFA for %s: %w", r.user, err)
	}
	if !ok || err != nil {
		r.env.SetRunNote(noteMFASkipped, "enrolment was declined")
		return nil
	}
	dev, err := r.createDevice(ctx)
	if err != nil {
		return err
	}
	body := mfaScreen(otpauthURI(r.facts.Account, r.user, dev.seed), dev.seed)
	if err := ask.Show(ctx, "Scan this with your authenticator app", body); err != nil {
		return errors.Join(fmt.Errorf("show the MFA QR code: %w", err), r.dropDevice(ctx, dev))
	}
	for attempt := 1; ; attempt++ {
		code1, code2, err := readCodes(ctx, ask)
		if errors.Is(err, steps.ErrDismissed) {
			// Esc on a code question is "not now", as declining is: pending, the device removed.
			r.env.SetRunNote(noteMFASkipped, "enrolment was put off")
			return r.dropDevice(ctx, dev)
		}
		if err != nil {
			return errors.Join(fmt.Errorf("read MFA codes for %s: %w", r.user, err), r.dropDevice(ctx, dev))
		}
		err = r.enableDevice(ctx, c, dev.serial, code1, code2)
		if err == nil {
			return nil
		}
		var bad *types.InvalidAuthenticationCodeException
		if !errors.As(err, &bad) {
			return errors.Join(err, r.dropDevice(ctx, dev))
		}
		if attempt == codeAttempts {
			r.env.SetRunNote(noteMFASkipped, "the codes from the app were not accepted")
			return r.dropDevice(ctx, dev)
		}
		msg := "AWS did not accept those two codes. Check that the phone's clock is set automatically, wait for a new code, and type two consecutive codes again."
		if err := ask.Show(ctx, "Codes not accepted", msg); err != nil {
			return errors.Join(err, r.dropDevice(ctx, dev))
		}
	}
}

func readCodes(ctx context.Context, ask steps.Asker) (string, string, error) {
	code1, err := ask.Input(ctx, "First 6-digit code from the app", checkCode)
	if err != nil {
		return "", "", err
	}
	code2, err := ask.Input(ctx, "Next code (wait until the app shows a new one)", checkCode)
	if err != nil {
		return "", "", err
	}
	clean := func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), " ", "") }
	return clean(code1), clean(code2), nil
}

// device is a virtual MFA device this run created; seed is the secret the app needs, held in
// memory only.
type device struct {
	entry  steps.Entry
	serial string
	seed   string
}

// deviceSerial is the serial IAM gives a virtual MFA device of that name in the account.
func deviceSerial(partition, account, name string) string {
	return "arn:" + partition + ":iam::" + account + ":mfa/" + name
}

// createDevice creates a virtual MFA device named after the user, or, when a device of that name
// is left over from elsewhere, one with a dated name. Its serial is journaled before it exists: it
// is the ARN IAM derives from the account and the name.
func (r *run) createDevice(ctx context.Context) (device, error) {
	names := []string{r.user, r.user + "-" + r.env.Clock().UTC().Format(deviceStamp)}
	var err error
	for _, name := range names {
		serial := deviceSerial(r.facts.Partition, r.facts.Account, name)
		c := steps.Change{Action: steps.Create, Address: mfaDeviceAddr(r.user), After: serial,
			Why: "the virtual device holds the secret " + r.user + "'s authenticator app shares with AWS"}
		var dev device
		data := record{Kind: kindMFADevice, Origin: created, User: r.user, Device: name, Serial: serial}
		err = r.rec.Do(ctx, c, data, func(ctx context.Context) error {
			out, err := r.api.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: &name})
			if err != nil {
				return awsapi.Classify("create a virtual MFA device for IAM user "+r.user, err)
			}
			dev.serial, dev.seed = aws.ToString(out.VirtualMFADevice.SerialNumber), string(out.VirtualMFADevice.Base32StringSeed)
			return nil
		})
		var exists *types.EntityAlreadyExistsException
		if errors.As(err, &exists) {
			continue
		}
		if err != nil {
			return device{}, err
		}
		if dev.serial != serial {
			r.env.Logger().Warn("virtual MFA device serial differs from the journaled one", "journaled", serial, "actual", dev.serial)
		}
		// Should the journal not read back, the device stays journaled as created: undo removes it.
		dev.entry, err = r.lastEntry(c.Address)
		return dev, err
	}
	return device{}, err
}

// deviceStamp dates the name of a device made when one with the user's name is left over.
const deviceStamp = "20060102T150405"

// lastEntry is the entry this run just journaled for addr, for reversing it within the run.
func (r *run) lastEntry(addr string) (steps.Entry, error) {
	j := r.rec.Journal()
	entries, err := j.Entries()
	if err != nil {
		return steps.Entry{}, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Run == j.Run() && e.Step == ID && e.Undoes == "" && e.Change.Address == addr {
			return e, nil
		}
	}
	return steps.Entry{}, fmt.Errorf("iam-admin: the journal has no entry for %s from this run", addr)
}

// enableDevice assigns the device to the user with two consecutive codes.
func (r *run) enableDevice(ctx context.Context, c steps.Change, serial, code1, code2 string) error {
	c.After = serial
	data := record{Kind: kindMFAEnable, Origin: created, User: r.user, UserOrigin: r.origin(userAddr(r.user)), Serial: serial}
	return r.mutate(ctx, c, data, "enrolled a virtual MFA device for "+r.user, func(ctx context.Context) error {
		_, err := r.api.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: &r.user, SerialNumber: &serial,
			AuthenticationCode1: &code1, AuthenticationCode2: &code2})
		return awsapi.Classify("enable the virtual MFA device of IAM user "+r.user, err)
	})
}

// dropDevice deletes a device this run created but never enabled, so nothing is left behind,
// reversing its journal entry. It runs even when ctx was cancelled (the user pressed Ctrl-C at the
// code prompt).
func (r *run) dropDevice(ctx context.Context, dev device) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	rev := steps.Change{Action: steps.Delete, Address: dev.entry.Change.Address, Before: dev.serial,
		Why: "MFA enrolment did not finish; the unused device is removed"}
	data := record{Kind: kindMFADevice, Origin: created, User: r.user, Serial: dev.serial}
	return r.rec.Reverse(ctx, dev.entry, rev, data, func(ctx context.Context) error {
		return deleteDevice(ctx, r.api, data)
	})
}

// otpauthURI is the key URI authenticator apps read from a QR code (Google Authenticator's
// key-uri format), labelled as the AWS console labels it.
func otpauthURI(account, user, seed string) string {
	label := url.PathEscape("AWS:" + user + "@" + account)
	q := url.Values{"secret": {seed}, "issuer": {"AWS"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// mfaScreen is what the user sees: the QR code in half blocks, and the secret as text for apps
// (or terminals) that cannot use the code.
func mfaScreen(uri, seed string) string {
	var b strings.Builder
	qrterminal.GenerateWithConfig(uri, qrterminal.Config{
		Level: qrterminal.L, Writer: &b, HalfBlocks: true, QuietZone: 2,
		BlackChar: qrterminal.BLACK_BLACK, WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar: qrterminal.WHITE_WHITE, BlackWhiteChar: qrterminal.BLACK_WHITE,
	})
	b.WriteString("\nScan the code with your authenticator app, or add an account by hand\nwith this secret key:\n\n")
	for _, line := range seedLines(seed) {
		b.WriteString("    " + line + "\n")
	}
	b.WriteString("\nThen type two consecutive codes the app shows.\n")
	return b.String()
}

// seedLines splits the seed into groups of four, eight groups a line, as it is easier to type.
func seedLines(seed string) []string {
	var lines []string
	for seed != "" {
		var groups []string
		for len(groups) < 8 && seed != "" {
			n := min(4, len(seed))
			groups = append(groups, seed[:n])
			seed = seed[n:]
		}
		lines = append(lines, strings.Join(groups, " "))
	}
	return lines
}

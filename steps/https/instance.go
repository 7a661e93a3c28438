package https

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// checkInstanceMode reads the newest SetupInstanceHttps run for exactly these names.
func (s *Step) checkInstanceMode(ctx context.Context, env *steps.Env, st steps.State, f *facts) (steps.State, error) {
	if !isWordPress(f.Blueprint) {
		st.Skip = fmt.Sprintf("--https-mode instance needs a WordPress blueprint; %s runs %q", env.Instance, f.Blueprint)
		return st, nil
	}
	h, err := s.setupRun(ctx, env, f.Names, "")
	if err != nil {
		return st, err
	}
	f.Setup = &setupFacts{}
	if h != nil {
		f.Setup.Status = string(h.Status)
		if h.Status == types.SetupStatusFailed {
			f.Setup.Error = setupError(h)
		}
	}
	st.Facts = f
	switch f.Setup.Status {
	case "inProgress":
		st.Pending = "Let's Encrypt setup for " + strings.Join(f.Names, ", ") + " is still running on the instance"
	case "failed":
		st.Findings = append(st.Findings, steps.Finding{ID: ID + ".lets_encrypt_setup_failed", Severity: "warning",
			Message: "the last Let's Encrypt setup failed: " + f.Setup.Error,
			Fix:     "Point " + strings.Join(f.Names, ", ") + " at the instance's public IP, then run `hardsail apply https` again."})
	}
	return st, nil
}

// setupRun is the newest setup run for exactly names (any order), or the run of operation opID.
func (s *Step) setupRun(ctx context.Context, env *steps.Env, names []string, opID string) (*types.SetupHistory, error) {
	out, err := env.AWS.Lightsail.GetSetupHistory(ctx, &lightsail.GetSetupHistoryInput{ResourceName: &env.Instance})
	if err != nil {
		return nil, awsapi.Classify("read the HTTPS setup history of "+env.Instance, err)
	}
	want := slices.Sorted(slices.Values(names))
	for i := range out.SetupHistory { // newest first
		h := &out.SetupHistory[i]
		if opID != "" {
			if aws.ToString(h.OperationId) == opID {
				return h, nil
			}
			continue
		}
		if h.Request == nil {
			continue
		}
		var got []string
		for _, d := range h.Request.DomainNames {
			got = append(got, dnsName(d))
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return h, nil
		}
	}
	return nil, nil
}

func setupError(h *types.SetupHistory) string {
	for _, d := range h.ExecutionDetails {
		if d.Status == types.SetupStatusFailed {
			msg := strings.TrimSpace(aws.ToString(d.StandardError))
			if msg == "" {
				msg = "exit status failed"
			}
			return aws.ToString(d.Name) + ": " + msg
		}
	}
	return "no detail given"
}

// applyInstance runs SetupInstanceHttps and follows its history for a bounded time.
func (s *Step) applyInstance(ctx context.Context, env *steps.Env, f *facts, rec *steps.Recorder) (steps.Report, error) {
	ops, _ := planOps(f)
	if len(ops) == 0 {
		return steps.Report{}, nil
	}
	what := "set up Let's Encrypt HTTPS on " + env.Instance
	var opID string
	err := rec.Do(ctx, ops[0].Change, undoData{Kind: opSetup, Instance: env.Instance, Names: f.Names}, func(ctx context.Context) error {
		return callAndWait(ctx, env.AWS, what, func() ([]types.Operation, error) {
			out, err := env.AWS.Lightsail.SetupInstanceHttps(ctx, &lightsail.SetupInstanceHttpsInput{
				InstanceName: &env.Instance, EmailAddress: &env.Settings.Mail, DomainNames: f.Names,
				CertificateProvider: types.CertificateProviderLetsEncrypt,
			})
			if err == nil && len(out.Operations) > 0 {
				opID = aws.ToString(out.Operations[0].Id)
			}
			return dnszone.OpsOf(out, err, func(o *lightsail.SetupInstanceHttpsOutput) []types.Operation { return o.Operations })
		})
	})
	if err != nil {
		return steps.Report{}, err
	}
	status, detail, err := s.followSetup(ctx, env, f.Names, opID)
	switch {
	case err != nil:
		return steps.Report{}, err
	case status == types.SetupStatusSucceeded:
		return steps.Report{Detail: "Let's Encrypt serves https://" + f.Names[0] + " from the instance"}, nil
	case status == types.SetupStatusFailed:
		return steps.Report{}, &steps.UsageError{Msg: "Let's Encrypt setup on " + env.Instance + " failed: " + detail,
			Hint: "Point " + strings.Join(f.Names, ", ") + " at the instance's public IP, wait for DNS, and run `hardsail apply https` again."}
	}
	return steps.Report{Detail: "Let's Encrypt setup is still running on the instance; run `hardsail verify https` later"}, nil
}

// followSetup polls the history of one setup run until it ends or SetupWait passes.
func (s *Step) followSetup(ctx context.Context, env *steps.Env, names []string, opID string) (types.SetupStatus, string, error) {
	var last types.SetupStatus
	detail := ""
	err := s.pollUntil(ctx, env, orDefault(s.SetupWait, defaultSetupWait), "Let's Encrypt setup on "+env.Instance, func() (bool, error) {
		h, err := s.setupRun(ctx, env, names, opID)
		if err != nil || h == nil {
			return false, err
		}
		last = h.Status
		if h.Status == types.SetupStatusFailed {
			detail = setupError(h)
		}
		return h.Status != types.SetupStatusInProgress, nil
	})
	return last, detail, err
}

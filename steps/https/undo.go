package https

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// writeWPConfig puts the marked block into wp-config.php, keeping its mode and owner.
func (s *Step) writeWPConfig(ctx context.Context, env *steps.Env, j *steps.Journal, c steps.Change) error {
	if env.SSH == nil {
		return &steps.UsageError{Msg: "the https step needs SSH access to edit " + WPConfigPath,
			Hint: "Run without --no-ssh, or pass --ssh-key/--ssh-host so hardsail can reach the instance."}
	}
	cl, err := env.SSH(ctx)
	if err != nil {
		return err
	}
	file, err := cl.ReadFile(ctx, WPConfigPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", WPConfigPath, err)
	}
	if !file.Exists {
		return fmt.Errorf("edit %s: the file is gone", WPConfigPath)
	}
	body, err := insertBlock(file.Body)
	if err != nil {
		return fmt.Errorf("edit %s: %w", WPConfigPath, err)
	}
	u := &wpUndo{Path: WPConfigPath, PriorSum: sum(file.Body), Block: wpBlock}
	if st, e, ok := findBlock(file.Body); ok {
		u.Replaced = string(file.Body[st:e])
	}
	return s.mutate(ctx, env, j, c, undoData{Kind: opWPConfig, WP: u}, func() error {
		if err := cl.WriteFileAtomic(ctx, WPConfigPath, body, file.Mode, file.Owner, file.Group); err != nil {
			return fmt.Errorf("write %s: %w", WPConfigPath, err)
		}
		return nil
	})
}

// ChangedError refuses to undo over a value that changed since hardsail wrote it.
type ChangedError struct {
	What   string
	Wrote  string
	Now    string
	Before string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed since hardsail wrote it; nothing was undone.\n--- before hardsail\n%s\n--- hardsail wrote\n%s\n--- now\n%s",
		e.What, e.Before, e.Wrote, e.Now)
}

func (e *ChangedError) HintText() string {
	return "Look at the difference; `hardsail undo https --force` removes hardsail's block anyway."
}

// removeWPBlock takes hardsail's block out of wp-config.php again (or puts back the older hardsail
// block it replaced). It reports whether the file is now byte-identical to before.
func (s *Step) removeWPBlock(ctx context.Context, env *steps.Env, u *wpUndo) (identical bool, err error) {
	if env.SSH == nil {
		return false, &steps.UsageError{Msg: "undoing the https step needs SSH access to edit " + u.Path,
			Hint: "Run without --no-ssh, or pass --ssh-key/--ssh-host so hardsail can reach the instance."}
	}
	cl, err := env.SSH(ctx)
	if err != nil {
		return false, err
	}
	file, err := cl.ReadFile(ctx, u.Path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", u.Path, err)
	}
	if !file.Exists {
		return false, nil
	}
	st, e, ok := findBlock(file.Body)
	if !ok {
		return sum(file.Body) == u.PriorSum, nil
	}
	if now := string(file.Body[st:e]); now != u.Block && !env.Force {
		return false, &ChangedError{What: "the hardsail https block in " + u.Path, Wrote: u.Block, Now: now, Before: u.Replaced}
	}
	body := concat(file.Body[:st], []byte(u.Replaced), file.Body[e:])
	if err := cl.WriteFileAtomic(ctx, u.Path, body, file.Mode, file.Owner, file.Group); err != nil {
		return false, fmt.Errorf("write %s: %w", u.Path, err)
	}
	return sum(body) == u.PriorSum, nil
}

// Undo reverses hardsail's changes, newest first: DNS it pointed, TLS settings, the wp-config
// block, validation records, the certificate (forced: there is no detach), the instance's
// attachment, then the load balancer.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID, Status: steps.StatusChanged}
	datas := make([]undoData, len(entries))
	dropLB, dropCert := map[string]bool{}, map[string]bool{}
	var list []string
	for i, e := range entries {
		if err := e.Decode(&datas[i]); err != nil {
			return o, err
		}
		switch datas[i].Kind {
		case opCreateLB:
			dropLB[datas[i].LB] = true
		case opCreateCert:
			dropCert[datas[i].LB+"/"+datas[i].Cert] = true
		}
		list = append(list, string(e.Change.Action)+" "+e.Change.Address)
	}
	env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Message: "undo reverses, newest first:\n  " + strings.Join(list, "\n  "), At: env.Clock()})
	var notes []string
	onlyManual := true
	for i, e := range entries {
		d := datas[i]
		rev := steps.Change{Action: reverse(e.Change.Action), Address: e.Change.Address, Before: e.Change.After, After: e.Change.Before,
			File: e.Change.File, Why: "undo: " + e.Change.Why}
		var fn func() error
		switch d.Kind {
		case opRedirect, opPolicy:
			// Deleting the balancer or its certificate takes these settings with it.
			if !dropLB[d.LB] && !dropAnyCert(dropCert, d.LB) {
				name := types.LoadBalancerAttributeNameTlsPolicyName
				if d.Kind == opRedirect {
					name = types.LoadBalancerAttributeNameHttpsRedirectionEnabled
				}
				fn = func() error { return restoreAttribute(ctx, env, d.LB, name, d.Before) }
			}
		case opAttachCert:
			if !dropLB[d.LB] && !dropCert[d.LB+"/"+d.Cert] {
				notes = append(notes, fmt.Sprintf("certificate %s stays attached to %s: Lightsail has no API to detach a certificate", d.Cert, d.LB))
			}
		case opCreateCert:
			fn = func() error { return deleteCert(ctx, env, d.LB, d.Cert) }
		case opValidation:
			fn = func() error { return ignoreNotFound(deleteEntry(ctx, env, d.Zone, *d.Entry)) }
		case opPointDNS:
			fn = func() error {
				if err := ignoreNotFound(deleteEntry(ctx, env, d.Zone, *d.Entry)); err != nil {
					return err
				}
				for _, p := range d.Prior {
					if err := createEntry(ctx, env, d.Zone, p); err != nil {
						return err
					}
				}
				return nil
			}
		case opWPConfig:
			fn = func() error {
				same, err := s.removeWPBlock(ctx, env, d.WP)
				if err == nil && !same {
					notes = append(notes, d.WP.Path+" changed elsewhere since hardsail edited it; only hardsail's block was removed")
				}
				return err
			}
		case opAttachInstance:
			fn = func() error { return detach(ctx, env, d.LB, d.Instance) }
		case opCreateLB:
			fn = func() error { return deleteLB(ctx, env, d.LB) }
		case opSetup:
			notes = append(notes, "Lightsail has no API to reverse SetupInstanceHttps on "+d.Instance+"; to go back to plain HTTP run on the instance: "+
				"sudo cp /opt/bitnami/wordpress/wp-config.php.backup /opt/bitnami/wordpress/wp-config.php; "+
				"sudo cp /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf.backup /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf; "+
				"sudo /opt/bitnami/ctlscript.sh restart")
		default:
			return o, fmt.Errorf("journal entry %s: unknown https change kind %q", e.ID, d.Kind)
		}
		if d.Kind != opSetup {
			onlyManual = false
		}
		id, err := j.BeginUndo(e, rev, d)
		if err != nil {
			return o, err
		}
		if fn != nil {
			if err := fn(); err != nil {
				if jerr := j.Fail(id, err); jerr != nil {
					err = errors.Join(err, jerr)
				}
				return o, err
			}
		}
		if err := j.Done(id); err != nil {
			return o, err
		}
	}
	if onlyManual {
		o.Status = steps.StatusSkipped
	}
	o.Detail = strings.Join(notes, "\n")
	return o, nil
}

func reverse(a steps.Action) steps.Action {
	switch a {
	case steps.Create:
		return steps.Delete
	case steps.Delete:
		return steps.Create
	}
	return a
}

func dropAnyCert(drop map[string]bool, lb string) bool {
	for k := range drop {
		if strings.HasPrefix(k, lb+"/") {
			return true
		}
	}
	return false
}

func ignoreNotFound(err error) error {
	if awsapi.IsKind(err, awsapi.KindNotFound) {
		return nil
	}
	return err
}

func restoreAttribute(ctx context.Context, env *steps.Env, lb string, name types.LoadBalancerAttributeName, value string) error {
	what := fmt.Sprintf("set %s=%s on load balancer %s", name, value, lb)
	out, err := env.AWS.Lightsail.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{
		LoadBalancerName: &lb, AttributeName: name, AttributeValue: &value,
	})
	if err != nil {
		return ignoreNotFound(awsapi.Classify(what, err))
	}
	return env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{})
}

func deleteCert(ctx context.Context, env *steps.Env, lb, cert string) error {
	what := "delete certificate " + cert + " of load balancer " + lb
	force := true
	out, err := env.AWS.Lightsail.DeleteLoadBalancerTlsCertificate(ctx, &lightsail.DeleteLoadBalancerTlsCertificateInput{
		LoadBalancerName: &lb, CertificateName: &cert, Force: &force,
	})
	if err != nil {
		return ignoreNotFound(awsapi.Classify(what, err))
	}
	return env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{})
}

func detach(ctx context.Context, env *steps.Env, lb, instance string) error {
	what := "detach " + instance + " from load balancer " + lb
	out, err := env.AWS.Lightsail.DetachInstancesFromLoadBalancer(ctx, &lightsail.DetachInstancesFromLoadBalancerInput{
		LoadBalancerName: &lb, InstanceNames: []string{instance},
	})
	if err != nil {
		if strings.Contains(err.Error(), "is not attached") {
			return nil
		}
		return ignoreNotFound(awsapi.Classify(what, err))
	}
	return env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{})
}

func deleteLB(ctx context.Context, env *steps.Env, lb string) error {
	what := "delete load balancer " + lb
	out, err := env.AWS.Lightsail.DeleteLoadBalancer(ctx, &lightsail.DeleteLoadBalancerInput{LoadBalancerName: &lb})
	if err != nil {
		return ignoreNotFound(awsapi.Classify(what, err))
	}
	return env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{})
}

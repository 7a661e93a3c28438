package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
)

// savedVersion is the layout of Save's JSON; Restore refuses any other.
const savedVersion = 1

// saved is the whole account as Save writes it: every resource with the moments its pending
// transitions (operations, snapshots, load balancers, metadata options) complete.
type saved struct {
	Version       int
	Region        string
	Instances     []savedInstance
	Snapshots     []savedSnapshot
	LoadBalancers []savedLB
	Certificates  []savedCert
	Domains       []Domain
	Operations    []savedOp
	SetupHistory  []savedSetup
	ExternalDNS   []DNSRecord
	IAM           iamsts.Saved
}

type savedInstance struct {
	Instance
	MetadataAt time.Time `json:"hardsailMetadataAt"`
}

type savedSnapshot struct {
	InstanceSnapshot
	ReadyAt time.Time `json:"hardsailReadyAt"`
}

type savedLB struct {
	LoadBalancer
	Attached []string  `json:"hardsailAttached"`
	ReadyAt  time.Time `json:"hardsailReadyAt"`
}

type savedCert struct {
	LoadBalancerTLSCertificate
	Forced bool `json:"hardsailForced"`
}

type savedOp struct {
	Operation
	DoneAt time.Time `json:"hardsailDoneAt"`
}

type savedSetup struct {
	SetupHistory
	DoneAt time.Time `json:"hardsailDoneAt"`
}

// Save is the emulated account (Lightsail and IAM) as JSON, for Restore in a later process: the
// demo keeps its account across runs. The call log, faults and the SSH bindings are not kept.
func (e *Emulator) Save() ([]byte, error) {
	e.mu.Lock()
	l := e.ls
	v := saved{Version: savedVersion, Region: e.opts.Region, Domains: derefAll(l.domains),
		ExternalDNS: slices.Clone(l.externalDNS), IAM: e.iam.Save()}
	for _, in := range l.instances {
		v.Instances = append(v.Instances, savedInstance{in.Instance, in.metadataAt})
	}
	for _, s := range l.snapshots {
		v.Snapshots = append(v.Snapshots, savedSnapshot{s.InstanceSnapshot, s.readyAt})
	}
	for _, lb := range l.lbs {
		v.LoadBalancers = append(v.LoadBalancers, savedLB{lb.LoadBalancer, lb.attached, lb.readyAt})
	}
	for _, c := range l.certs {
		v.Certificates = append(v.Certificates, savedCert{c.LoadBalancerTLSCertificate, c.forced})
	}
	for _, op := range l.ops {
		v.Operations = append(v.Operations, savedOp{op.Operation, op.doneAt})
	}
	for _, s := range l.setups {
		v.SetupHistory = append(v.SetupHistory, savedSetup{s.SetupHistory, s.doneAt})
	}
	// Encoding while locked: the values share slices with the live state.
	b, err := json.Marshal(v)
	e.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("save emulator state: %w", err)
	}
	return b, nil
}

// Restore replaces the account with one Save returned. It is all or nothing: on an error the
// emulator is as it was.
func (e *Emulator) Restore(b []byte) error {
	var v saved
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("restore emulator state: %w", err)
	}
	if v.Version != savedVersion {
		return fmt.Errorf("restore emulator state: layout %d, this emulator reads %d", v.Version, savedVersion)
	}
	if v.Region != e.opts.Region {
		return fmt.Errorf("restore emulator state: saved in region %s, this emulator serves %s", v.Region, e.opts.Region)
	}
	l := newLightsail(e.opts)
	for _, in := range v.Instances {
		l.instances = append(l.instances, &instanceState{Instance: in.Instance, metadataAt: in.MetadataAt})
	}
	for _, s := range v.Snapshots {
		l.snapshots = append(l.snapshots, &snapshotState{s.InstanceSnapshot, s.ReadyAt})
	}
	for _, lb := range v.LoadBalancers {
		l.lbs = append(l.lbs, &lbState{lb.LoadBalancer, lb.Attached, lb.ReadyAt})
	}
	for _, c := range v.Certificates {
		l.certs = append(l.certs, &certState{c.LoadBalancerTLSCertificate, c.Forced})
	}
	for i := range v.Domains {
		l.domains = append(l.domains, &v.Domains[i])
	}
	for _, op := range v.Operations {
		l.ops = append(l.ops, &opState{op.Operation, op.DoneAt})
	}
	for _, s := range v.SetupHistory {
		l.setups = append(l.setups, &setupState{s.SetupHistory, s.DoneAt})
	}
	l.externalDNS = v.ExternalDNS
	if err := e.iam.Restore(v.IAM); err != nil {
		return fmt.Errorf("restore emulator state: %w", err)
	}
	e.mu.Lock()
	e.ls = l
	e.mu.Unlock()
	return nil
}

func derefAll[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

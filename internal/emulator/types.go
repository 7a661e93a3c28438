package emulator

import (
	"encoding/json"
	"math"
	"time"
)

// Timestamp is a point in time that travels as awsJson1_1 epoch seconds, the
// only timestamp format the SDK's Lightsail deserializer accepts.
type Timestamp struct{ time.Time }

// MarshalJSON writes epoch seconds with millisecond precision like AWS does.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return json.Marshal(float64(ms) / 1000)
}

// UnmarshalJSON reads epoch seconds.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	// Milliseconds, as written: a float's fraction would come back a few nanoseconds off.
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

func ts(t time.Time) *Timestamp { return &Timestamp{t.UTC().Truncate(time.Millisecond)} }

// The types below mirror the Lightsail API shapes field for field (same JSON
// member names as the service model), so one value serves both as the wire
// response and as the State() snapshot tests compare.

// ResourceLocation is where a resource lives.
type ResourceLocation struct {
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	RegionName       string `json:"regionName,omitempty"`
}

// InstanceState is the power state of an instance.
type InstanceState struct {
	Code int32  `json:"code"`
	Name string `json:"name"`
}

// AddOn is an enabled add-on such as AutoSnapshot.
type AddOn struct {
	Name                  string `json:"name"`
	Status                string `json:"status"`
	SnapshotTimeOfDay     string `json:"snapshotTimeOfDay,omitempty"`
	NextSnapshotTimeOfDay string `json:"nextSnapshotTimeOfDay,omitempty"`
}

// InstanceHardware describes the bundle's hardware.
type InstanceHardware struct {
	CPUCount    int32   `json:"cpuCount"`
	RAMSizeInGb float32 `json:"ramSizeInGb"`
}

// MonthlyTransfer is the bundle's transfer allowance.
type MonthlyTransfer struct {
	GbPerMonthAllocated int32 `json:"gbPerMonthAllocated"`
}

// InstancePortInfo is one firewall rule as GetInstance reports it.
type InstancePortInfo struct {
	FromPort        int32    `json:"fromPort"`
	ToPort          int32    `json:"toPort"`
	Protocol        string   `json:"protocol"`
	AccessFrom      string   `json:"accessFrom,omitempty"`
	AccessType      string   `json:"accessType,omitempty"`
	CommonName      string   `json:"commonName,omitempty"`
	AccessDirection string   `json:"accessDirection,omitempty"`
	Cidrs           []string `json:"cidrs,omitempty"`
	Ipv6Cidrs       []string `json:"ipv6Cidrs,omitempty"`
	CidrListAliases []string `json:"cidrListAliases,omitempty"`
}

// InstanceNetworking holds the firewall rules.
type InstanceNetworking struct {
	MonthlyTransfer *MonthlyTransfer   `json:"monthlyTransfer,omitempty"`
	Ports           []InstancePortInfo `json:"ports"`
}

// Instance is a Lightsail virtual server.
type Instance struct {
	Name             string             `json:"name"`
	Arn              string             `json:"arn"`
	SupportCode      string             `json:"supportCode,omitempty"`
	CreatedAt        *Timestamp         `json:"createdAt,omitempty"`
	Location         ResourceLocation   `json:"location"`
	ResourceType     string             `json:"resourceType"`
	BlueprintID      string             `json:"blueprintId"`
	BlueprintName    string             `json:"blueprintName"`
	BundleID         string             `json:"bundleId"`
	AddOns           []AddOn            `json:"addOns"`
	IsStaticIP       bool               `json:"isStaticIp"`
	PrivateIPAddress string             `json:"privateIpAddress,omitempty"`
	PublicIPAddress  string             `json:"publicIpAddress,omitempty"`
	Ipv6Addresses    []string           `json:"ipv6Addresses,omitempty"`
	IPAddressType    string             `json:"ipAddressType,omitempty"`
	Hardware         *InstanceHardware  `json:"hardware,omitempty"`
	Networking       InstanceNetworking `json:"networking"`
	State            InstanceState      `json:"state"`
	Username         string             `json:"username"`
	SSHKeyName       string             `json:"sshKeyName,omitempty"`
	MetadataOptions  *MetadataOptions   `json:"metadataOptions,omitempty"`
}

// MetadataOptions are the instance metadata service's settings (IMDS), as GetInstance reports
// them. State is "pending" while an UpdateInstanceMetadataOptions is being applied, then "applied".
type MetadataOptions struct {
	State                   string `json:"state"`
	HTTPTokens              string `json:"httpTokens"`
	HTTPEndpoint            string `json:"httpEndpoint"`
	HTTPPutResponseHopLimit int32  `json:"httpPutResponseHopLimit"`
	HTTPProtocolIpv6        string `json:"httpProtocolIpv6"`
}

// InstancePortState is one rule as GetInstancePortStates reports it.
type InstancePortState struct {
	FromPort        int32    `json:"fromPort"`
	ToPort          int32    `json:"toPort"`
	Protocol        string   `json:"protocol"`
	State           string   `json:"state"`
	Cidrs           []string `json:"cidrs,omitempty"`
	Ipv6Cidrs       []string `json:"ipv6Cidrs,omitempty"`
	CidrListAliases []string `json:"cidrListAliases,omitempty"`
}

// PortInfo is a firewall rule as the mutating port calls take it.
type PortInfo struct {
	FromPort        int32    `json:"fromPort"`
	ToPort          int32    `json:"toPort"`
	Protocol        string   `json:"protocol"`
	Cidrs           []string `json:"cidrs,omitempty"`
	Ipv6Cidrs       []string `json:"ipv6Cidrs,omitempty"`
	CidrListAliases []string `json:"cidrListAliases,omitempty"`
}

// Operation is the record every mutating Lightsail call returns.
type Operation struct {
	ID               string           `json:"id"`
	ResourceName     string           `json:"resourceName"`
	ResourceType     string           `json:"resourceType"`
	CreatedAt        *Timestamp       `json:"createdAt"`
	Location         ResourceLocation `json:"location"`
	IsTerminal       bool             `json:"isTerminal"`
	OperationDetails string           `json:"operationDetails,omitempty"`
	OperationType    string           `json:"operationType"`
	Status           string           `json:"status"`
	StatusChangedAt  *Timestamp       `json:"statusChangedAt"`
	ErrorCode        string           `json:"errorCode,omitempty"`
	ErrorDetails     string           `json:"errorDetails,omitempty"`
}

// InstanceSnapshot is a manual snapshot of an instance.
type InstanceSnapshot struct {
	Name               string           `json:"name"`
	Arn                string           `json:"arn"`
	SupportCode        string           `json:"supportCode,omitempty"`
	CreatedAt          *Timestamp       `json:"createdAt"`
	Location           ResourceLocation `json:"location"`
	ResourceType       string           `json:"resourceType"`
	State              string           `json:"state"`
	Progress           string           `json:"progress,omitempty"`
	FromInstanceName   string           `json:"fromInstanceName"`
	FromInstanceArn    string           `json:"fromInstanceArn"`
	FromBlueprintID    string           `json:"fromBlueprintId,omitempty"`
	FromBundleID       string           `json:"fromBundleId,omitempty"`
	IsFromAutoSnapshot bool             `json:"isFromAutoSnapshot"`
	SizeInGb           int32            `json:"sizeInGb"`
}

// InstanceHealthSummary is the LB's view of one target instance.
type InstanceHealthSummary struct {
	InstanceName         string `json:"instanceName"`
	InstanceHealth       string `json:"instanceHealth"`
	InstanceHealthReason string `json:"instanceHealthReason,omitempty"`
}

// LoadBalancerTLSCertificateSummary names a certificate of an LB.
type LoadBalancerTLSCertificateSummary struct {
	Name       string `json:"name"`
	IsAttached bool   `json:"isAttached"`
}

// LoadBalancer is a Lightsail load balancer.
type LoadBalancer struct {
	Name                    string                              `json:"name"`
	Arn                     string                              `json:"arn"`
	SupportCode             string                              `json:"supportCode,omitempty"`
	CreatedAt               *Timestamp                          `json:"createdAt"`
	Location                ResourceLocation                    `json:"location"`
	ResourceType            string                              `json:"resourceType"`
	DNSName                 string                              `json:"dnsName"`
	State                   string                              `json:"state"`
	Protocol                string                              `json:"protocol"`
	PublicPorts             []int32                             `json:"publicPorts"`
	HealthCheckPath         string                              `json:"healthCheckPath"`
	InstancePort            int32                               `json:"instancePort"`
	InstanceHealthSummary   []InstanceHealthSummary             `json:"instanceHealthSummary"`
	TLSCertificateSummaries []LoadBalancerTLSCertificateSummary `json:"tlsCertificateSummaries"`
	ConfigurationOptions    map[string]string                   `json:"configurationOptions"`
	IPAddressType           string                              `json:"ipAddressType"`
	HTTPSRedirectionEnabled bool                                `json:"httpsRedirectionEnabled"`
	TLSPolicyName           string                              `json:"tlsPolicyName,omitempty"`
}

// DNSRecordCreationState says whether Lightsail wrote a validation record.
type DNSRecordCreationState struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// DomainValidationRecord is one CNAME ACM wants to see.
type DomainValidationRecord struct {
	Name             string `json:"name"`
	Type             string `json:"type"`
	Value            string `json:"value"`
	ValidationStatus string `json:"validationStatus"`
	DomainName       string `json:"domainName"`
}

// LoadBalancerTLSCertificate is an ACM-backed certificate owned by an LB.
type LoadBalancerTLSCertificate struct {
	Name                    string                   `json:"name"`
	Arn                     string                   `json:"arn"`
	SupportCode             string                   `json:"supportCode,omitempty"`
	CreatedAt               *Timestamp               `json:"createdAt"`
	Location                ResourceLocation         `json:"location"`
	ResourceType            string                   `json:"resourceType"`
	LoadBalancerName        string                   `json:"loadBalancerName"`
	IsAttached              bool                     `json:"isAttached"`
	Status                  string                   `json:"status"`
	DomainName              string                   `json:"domainName"`
	DomainValidationRecords []DomainValidationRecord `json:"domainValidationRecords"`
	IssuedAt                *Timestamp               `json:"issuedAt,omitempty"`
	Issuer                  string                   `json:"issuer,omitempty"`
	KeyAlgorithm            string                   `json:"keyAlgorithm,omitempty"`
	NotAfter                *Timestamp               `json:"notAfter,omitempty"`
	NotBefore               *Timestamp               `json:"notBefore,omitempty"`
	Serial                  string                   `json:"serial,omitempty"`
	SignatureAlgorithm      string                   `json:"signatureAlgorithm,omitempty"`
	Subject                 string                   `json:"subject,omitempty"`
	SubjectAlternativeNames []string                 `json:"subjectAlternativeNames"`
}

// DomainEntry is one record in a Lightsail DNS zone.
type DomainEntry struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name"`
	Target  string `json:"target"`
	IsAlias bool   `json:"isAlias"`
	Type    string `json:"type"`
}

// Domain is a Lightsail DNS zone.
type Domain struct {
	Name          string           `json:"name"`
	Arn           string           `json:"arn"`
	SupportCode   string           `json:"supportCode,omitempty"`
	CreatedAt     *Timestamp       `json:"createdAt"`
	Location      ResourceLocation `json:"location"`
	ResourceType  string           `json:"resourceType"`
	DomainEntries []DomainEntry    `json:"domainEntries"`
}

// SetupRequest records what SetupInstanceHttps was asked to do.
type SetupRequest struct {
	InstanceName        string   `json:"instanceName"`
	DomainNames         []string `json:"domainNames"`
	CertificateProvider string   `json:"certificateProvider"`
}

// SetupHistoryResource names the instance a setup ran on.
type SetupHistoryResource struct {
	Name         string           `json:"name"`
	Arn          string           `json:"arn"`
	CreatedAt    *Timestamp       `json:"createdAt"`
	Location     ResourceLocation `json:"location"`
	ResourceType string           `json:"resourceType"`
}

// SetupExecutionDetails is one step of an HTTPS setup run.
type SetupExecutionDetails struct {
	Command        string     `json:"command"`
	DateTime       *Timestamp `json:"dateTime"`
	Name           string     `json:"name"`
	Status         string     `json:"status"`
	StandardError  string     `json:"standardError"`
	StandardOutput string     `json:"standardOutput"`
	Version        string     `json:"version"`
}

// SetupHistory is one SetupInstanceHttps run.
type SetupHistory struct {
	OperationID      string                  `json:"operationId"`
	Request          SetupRequest            `json:"request"`
	Resource         SetupHistoryResource    `json:"resource"`
	ExecutionDetails []SetupExecutionDetails `json:"executionDetails"`
	Status           string                  `json:"status"`
}

// DNSRecord is a record in "the world's DNS" outside Lightsail.
type DNSRecord struct {
	Name, Type, Value string
}

// State is a deep copy of everything the Lightsail side of the emulator
// holds, with lazy transitions (operations, LB provisioning, certificate
// validation) already applied as of the moment it was taken.
type State struct {
	Instances     []Instance
	Snapshots     []InstanceSnapshot
	LoadBalancers []LoadBalancer
	Certificates  []LoadBalancerTLSCertificate
	Domains       []Domain
	Operations    []Operation
	SetupHistory  []SetupHistory
	ExternalDNS   []DNSRecord
	StaticIPs     []StaticIP
}

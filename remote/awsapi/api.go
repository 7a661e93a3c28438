package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The narrow interfaces steps use: only the operations hardsail calls, each of which appears in
// assets/iam-policy.json except sts:GetCallerIdentity, which needs no permission
// (steps/registry/policy_test.go checks both ways). *lightsail.Client and friends satisfy them.

// LightsailAPI is the Lightsail operations hardsail calls (regional, and us-east-1 for domains).
type LightsailAPI interface {
	AllocateStaticIp(ctx context.Context, in *lightsail.AllocateStaticIpInput, opts ...func(*lightsail.Options)) (*lightsail.AllocateStaticIpOutput, error)
	AttachInstancesToLoadBalancer(ctx context.Context, in *lightsail.AttachInstancesToLoadBalancerInput, opts ...func(*lightsail.Options)) (*lightsail.AttachInstancesToLoadBalancerOutput, error)
	AttachLoadBalancerTlsCertificate(ctx context.Context, in *lightsail.AttachLoadBalancerTlsCertificateInput, opts ...func(*lightsail.Options)) (*lightsail.AttachLoadBalancerTlsCertificateOutput, error)
	AttachStaticIp(ctx context.Context, in *lightsail.AttachStaticIpInput, opts ...func(*lightsail.Options)) (*lightsail.AttachStaticIpOutput, error)
	CreateDomainEntry(ctx context.Context, in *lightsail.CreateDomainEntryInput, opts ...func(*lightsail.Options)) (*lightsail.CreateDomainEntryOutput, error)
	CreateInstanceSnapshot(ctx context.Context, in *lightsail.CreateInstanceSnapshotInput, opts ...func(*lightsail.Options)) (*lightsail.CreateInstanceSnapshotOutput, error)
	CreateLoadBalancer(ctx context.Context, in *lightsail.CreateLoadBalancerInput, opts ...func(*lightsail.Options)) (*lightsail.CreateLoadBalancerOutput, error)
	CreateLoadBalancerTlsCertificate(ctx context.Context, in *lightsail.CreateLoadBalancerTlsCertificateInput, opts ...func(*lightsail.Options)) (*lightsail.CreateLoadBalancerTlsCertificateOutput, error)
	DeleteDomainEntry(ctx context.Context, in *lightsail.DeleteDomainEntryInput, opts ...func(*lightsail.Options)) (*lightsail.DeleteDomainEntryOutput, error)
	DeleteLoadBalancer(ctx context.Context, in *lightsail.DeleteLoadBalancerInput, opts ...func(*lightsail.Options)) (*lightsail.DeleteLoadBalancerOutput, error)
	DeleteLoadBalancerTlsCertificate(ctx context.Context, in *lightsail.DeleteLoadBalancerTlsCertificateInput, opts ...func(*lightsail.Options)) (*lightsail.DeleteLoadBalancerTlsCertificateOutput, error)
	DetachInstancesFromLoadBalancer(ctx context.Context, in *lightsail.DetachInstancesFromLoadBalancerInput, opts ...func(*lightsail.Options)) (*lightsail.DetachInstancesFromLoadBalancerOutput, error)
	DetachStaticIp(ctx context.Context, in *lightsail.DetachStaticIpInput, opts ...func(*lightsail.Options)) (*lightsail.DetachStaticIpOutput, error)
	DisableAddOn(ctx context.Context, in *lightsail.DisableAddOnInput, opts ...func(*lightsail.Options)) (*lightsail.DisableAddOnOutput, error)
	EnableAddOn(ctx context.Context, in *lightsail.EnableAddOnInput, opts ...func(*lightsail.Options)) (*lightsail.EnableAddOnOutput, error)
	GetDomains(ctx context.Context, in *lightsail.GetDomainsInput, opts ...func(*lightsail.Options)) (*lightsail.GetDomainsOutput, error)
	GetInstance(ctx context.Context, in *lightsail.GetInstanceInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceOutput, error)
	GetInstanceAccessDetails(ctx context.Context, in *lightsail.GetInstanceAccessDetailsInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceAccessDetailsOutput, error)
	GetInstancePortStates(ctx context.Context, in *lightsail.GetInstancePortStatesInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstancePortStatesOutput, error)
	GetInstanceSnapshot(ctx context.Context, in *lightsail.GetInstanceSnapshotInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceSnapshotOutput, error)
	GetInstanceSnapshots(ctx context.Context, in *lightsail.GetInstanceSnapshotsInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceSnapshotsOutput, error)
	GetInstances(ctx context.Context, in *lightsail.GetInstancesInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstancesOutput, error)
	GetLoadBalancer(ctx context.Context, in *lightsail.GetLoadBalancerInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancerOutput, error)
	GetLoadBalancerTlsCertificates(ctx context.Context, in *lightsail.GetLoadBalancerTlsCertificatesInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancerTlsCertificatesOutput, error)
	GetLoadBalancerTlsPolicies(ctx context.Context, in *lightsail.GetLoadBalancerTlsPoliciesInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancerTlsPoliciesOutput, error)
	GetLoadBalancers(ctx context.Context, in *lightsail.GetLoadBalancersInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancersOutput, error)
	GetOperation(ctx context.Context, in *lightsail.GetOperationInput, opts ...func(*lightsail.Options)) (*lightsail.GetOperationOutput, error)
	GetRegions(ctx context.Context, in *lightsail.GetRegionsInput, opts ...func(*lightsail.Options)) (*lightsail.GetRegionsOutput, error)
	GetSetupHistory(ctx context.Context, in *lightsail.GetSetupHistoryInput, opts ...func(*lightsail.Options)) (*lightsail.GetSetupHistoryOutput, error)
	GetStaticIp(ctx context.Context, in *lightsail.GetStaticIpInput, opts ...func(*lightsail.Options)) (*lightsail.GetStaticIpOutput, error)
	GetStaticIps(ctx context.Context, in *lightsail.GetStaticIpsInput, opts ...func(*lightsail.Options)) (*lightsail.GetStaticIpsOutput, error)
	PutInstancePublicPorts(ctx context.Context, in *lightsail.PutInstancePublicPortsInput, opts ...func(*lightsail.Options)) (*lightsail.PutInstancePublicPortsOutput, error)
	ReleaseStaticIp(ctx context.Context, in *lightsail.ReleaseStaticIpInput, opts ...func(*lightsail.Options)) (*lightsail.ReleaseStaticIpOutput, error)
	SetupInstanceHttps(ctx context.Context, in *lightsail.SetupInstanceHttpsInput, opts ...func(*lightsail.Options)) (*lightsail.SetupInstanceHttpsOutput, error)
	UpdateInstanceMetadataOptions(ctx context.Context, in *lightsail.UpdateInstanceMetadataOptionsInput, opts ...func(*lightsail.Options)) (*lightsail.UpdateInstanceMetadataOptionsOutput, error)
	UpdateLoadBalancerAttribute(ctx context.Context, in *lightsail.UpdateLoadBalancerAttributeInput, opts ...func(*lightsail.Options)) (*lightsail.UpdateLoadBalancerAttributeOutput, error)
}

// IAMAPI is the IAM operations hardsail calls.
type IAMAPI interface {
	AddUserToGroup(ctx context.Context, in *iam.AddUserToGroupInput, opts ...func(*iam.Options)) (*iam.AddUserToGroupOutput, error)
	AttachGroupPolicy(ctx context.Context, in *iam.AttachGroupPolicyInput, opts ...func(*iam.Options)) (*iam.AttachGroupPolicyOutput, error)
	CreateGroup(ctx context.Context, in *iam.CreateGroupInput, opts ...func(*iam.Options)) (*iam.CreateGroupOutput, error)
	CreateLoginProfile(ctx context.Context, in *iam.CreateLoginProfileInput, opts ...func(*iam.Options)) (*iam.CreateLoginProfileOutput, error)
	CreateUser(ctx context.Context, in *iam.CreateUserInput, opts ...func(*iam.Options)) (*iam.CreateUserOutput, error)
	CreateVirtualMFADevice(ctx context.Context, in *iam.CreateVirtualMFADeviceInput, opts ...func(*iam.Options)) (*iam.CreateVirtualMFADeviceOutput, error)
	DeactivateMFADevice(ctx context.Context, in *iam.DeactivateMFADeviceInput, opts ...func(*iam.Options)) (*iam.DeactivateMFADeviceOutput, error)
	DeleteGroup(ctx context.Context, in *iam.DeleteGroupInput, opts ...func(*iam.Options)) (*iam.DeleteGroupOutput, error)
	DeleteLoginProfile(ctx context.Context, in *iam.DeleteLoginProfileInput, opts ...func(*iam.Options)) (*iam.DeleteLoginProfileOutput, error)
	DeleteUser(ctx context.Context, in *iam.DeleteUserInput, opts ...func(*iam.Options)) (*iam.DeleteUserOutput, error)
	DeleteVirtualMFADevice(ctx context.Context, in *iam.DeleteVirtualMFADeviceInput, opts ...func(*iam.Options)) (*iam.DeleteVirtualMFADeviceOutput, error)
	DetachGroupPolicy(ctx context.Context, in *iam.DetachGroupPolicyInput, opts ...func(*iam.Options)) (*iam.DetachGroupPolicyOutput, error)
	EnableMFADevice(ctx context.Context, in *iam.EnableMFADeviceInput, opts ...func(*iam.Options)) (*iam.EnableMFADeviceOutput, error)
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, opts ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, opts ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	GetGroup(ctx context.Context, in *iam.GetGroupInput, opts ...func(*iam.Options)) (*iam.GetGroupOutput, error)
	GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, opts ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	GetUser(ctx context.Context, in *iam.GetUserInput, opts ...func(*iam.Options)) (*iam.GetUserOutput, error)
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, opts ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	ListAttachedGroupPolicies(ctx context.Context, in *iam.ListAttachedGroupPoliciesInput, opts ...func(*iam.Options)) (*iam.ListAttachedGroupPoliciesOutput, error)
	ListGroupsForUser(ctx context.Context, in *iam.ListGroupsForUserInput, opts ...func(*iam.Options)) (*iam.ListGroupsForUserOutput, error)
	ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, opts ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error)
	ListUsers(ctx context.Context, in *iam.ListUsersInput, opts ...func(*iam.Options)) (*iam.ListUsersOutput, error)
	RemoveUserFromGroup(ctx context.Context, in *iam.RemoveUserFromGroupInput, opts ...func(*iam.Options)) (*iam.RemoveUserFromGroupOutput, error)
}

// STSAPI is the STS operations hardsail calls.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var (
	_ LightsailAPI = (*lightsail.Client)(nil)
	_ IAMAPI       = (*iam.Client)(nil)
	_ STSAPI       = (*sts.Client)(nil)
)

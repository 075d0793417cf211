/**
 * The few Atlas Admin API v2 shapes BPA uses, hand-written from the official
 * spec (shared/atlas/atlas-admin-api-v2.yaml) and named after its schemas.
 * Only the fields BPA reads or writes are declared; Atlas returns more.
 */

/** `ApiError`: every Atlas error body. */
export interface ApiError {
  error: number;
  errorCode: string;
  detail?: string | null;
  reason?: string | null;
}

/** `AWSHardwareSpec20240805` (the AWS branch of `HardwareSpec20240805`). */
export interface AWSHardwareSpec20240805 {
  instanceSize: string;
  nodeCount: number;
  diskSizeGB?: number;
  ebsVolumeType?: 'STANDARD' | 'PROVISIONED' | 'HIGH_PERFORMANCE';
}

/** `AWSRegionConfig20240805` (the AWS branch of `CloudRegionConfig20240805`). */
export interface AWSRegionConfig20240805 {
  providerName: 'AWS';
  /** Atlas's region name, e.g. `US_EAST_1`. */
  regionName: string;
  priority: number;
  electableSpecs: AWSHardwareSpec20240805;
}

/** `ReplicationSpec20240805`. */
export interface ReplicationSpec20240805 {
  regionConfigs: AWSRegionConfig20240805[];
}

/** `ResourceTag`. */
export interface ResourceTag {
  key: string;
  value: string;
}

/** `ClusterDescriptionConnectionStringsPrivateEndpointEndpoint`. */
export interface ClusterDescriptionConnectionStringsPrivateEndpointEndpoint {
  endpointId?: string;
  providerName?: 'AWS' | 'AZURE' | 'GCP';
  region?: string;
}

/** `ClusterDescriptionConnectionStringsPrivateEndpoint`. */
export interface ClusterDescriptionConnectionStringsPrivateEndpoint {
  connectionString?: string;
  srvConnectionString?: string;
  type?: 'MONGOD' | 'MONGOS';
  endpoints?: ClusterDescriptionConnectionStringsPrivateEndpointEndpoint[];
}

/** `ClusterConnectionStrings`. */
export interface ClusterConnectionStrings {
  standard?: string;
  standardSrv?: string;
  privateEndpoint?: ClusterDescriptionConnectionStringsPrivateEndpoint[];
}

/** Cluster states (`ClusterDescription20240805.stateName`). */
export type ClusterStateName =
  | 'IDLE'
  | 'CREATING'
  | 'UPDATING'
  | 'DELETING'
  | 'REPAIRING';

/** `ClusterDescription20240805`: what createGroupCluster takes and getGroupCluster returns. */
export interface ClusterDescription20240805 {
  name?: string;
  clusterType?: 'REPLICASET' | 'SHARDED' | 'GEOSHARDED';
  mongoDBMajorVersion?: string;
  versionReleaseSystem?: 'LTS' | 'CONTINUOUS';
  replicationSpecs?: ReplicationSpec20240805[];
  terminationProtectionEnabled?: boolean;
  backupEnabled?: boolean;
  tags?: ResourceTag[];
  /** Read-only. */
  stateName?: ClusterStateName;
  /** Read-only, e.g. `8.0.4`. */
  mongoDBVersion?: string;
  /** Read-only. */
  connectionStrings?: ClusterConnectionStrings;
}

/** `DatabaseUserRole`. */
export interface DatabaseUserRole {
  databaseName: string;
  roleName: string;
  collectionName?: string;
}

/** `UserScope`. */
export interface UserScope {
  name: string;
  type: 'CLUSTER' | 'DATA_LAKE' | 'STREAM';
}

/** `CloudDatabaseUser` (SCRAM users only). */
export interface CloudDatabaseUser {
  groupId: string;
  databaseName: 'admin' | '$external';
  username: string;
  /** Write-only: Atlas never returns it. */
  password?: string;
  roles: DatabaseUserRole[];
  scopes?: UserScope[];
  description?: string;
}

/** `CloudProviderEndpointServiceRequest`. */
export interface CloudProviderEndpointServiceRequest {
  providerName: 'AWS';
  /** The AWS region code, e.g. `us-east-1` (as the Atlas CLI sends it). */
  region: string;
}

/** Private endpoint service states (`EndpointService.status`). */
export type EndpointServiceStatus =
  | 'INITIATING'
  | 'AVAILABLE'
  | 'WAITING_FOR_USER'
  | 'FAILED'
  | 'DELETING';

/** `AWSPrivateLinkConnection` (the AWS branch of `EndpointService`). */
export interface AWSPrivateLinkConnection {
  cloudProvider: 'AWS';
  id?: string;
  /** Atlas's region name, e.g. `US_EAST_1`. */
  regionName?: string;
  status?: EndpointServiceStatus;
  /** Null until Atlas has created the AWS endpoint service. */
  endpointServiceName?: string | null;
  /** Ids of the interface endpoints (VPC endpoints) registered with the service. */
  interfaceEndpoints?: string[];
  errorMessage?: string | null;
}

/** `CreateAWSEndpointRequest`. */
export interface CreateAWSEndpointRequest {
  /** The interface VPC endpoint id, `vpce-` and 17 hex digits. */
  id: string;
}

/** Interface endpoint states (`AWSInterfaceEndpoint.connectionStatus`). */
export type InterfaceEndpointStatus =
  | 'PENDING_ACCEPTANCE'
  | 'PENDING'
  | 'AVAILABLE'
  | 'REJECTED'
  | 'DELETING';

/** `AWSInterfaceEndpoint` (the AWS branch of `PrivateLinkEndpoint`). */
export interface AWSInterfaceEndpoint {
  cloudProvider: 'AWS';
  interfaceEndpointId?: string;
  connectionStatus?: InterfaceEndpointStatus;
  deleteRequested?: boolean;
  errorMessage?: string | null;
}

/** `AvailableCloudProviderRegion`. */
export interface AvailableCloudProviderRegion {
  name?: string;
  default?: boolean;
}

/** `ClusterCloudProviderInstanceSize`. */
export interface ClusterCloudProviderInstanceSize {
  name?: string;
  availableRegions?: AvailableCloudProviderRegion[];
}

/** `CloudProviderRegions`. */
export interface CloudProviderRegions {
  provider?: 'AWS' | 'GCP' | 'AZURE';
  instanceSizes?: ClusterCloudProviderInstanceSize[];
}

/** `PaginatedApiAtlasProviderRegionsView`. */
export interface PaginatedApiAtlasProviderRegionsView {
  results: CloudProviderRegions[];
}

/** `MdbAvailableVersion`. */
export interface MdbAvailableVersion {
  cloudProvider?: string;
  version?: string;
  defaultStatus?: 'DEFAULT' | 'NOT_DEFAULT';
}

/** `PaginatedAvailableVersionView`. */
export interface PaginatedAvailableVersionView {
  results: MdbAvailableVersion[];
}

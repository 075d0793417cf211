import {
  atlasClusterLevel,
  databaseLevel,
  eksClusterLevel,
  helmReleaseLevel,
  nodeLevel,
  podLevel,
  stackLevel,
  vpcEndpointLevel,
  workloadLevel,
} from './levels';

describe('status levels', () => {
  it.each([
    ['CREATE_COMPLETE', 'ok'],
    ['UPDATE_COMPLETE', 'ok'],
    ['IMPORT_COMPLETE', 'ok'],
    ['CREATE_IN_PROGRESS', 'pending'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'pending'],
    ['DELETE_IN_PROGRESS', 'pending'],
    ['REVIEW_IN_PROGRESS', 'pending'],
    ['CREATE_FAILED', 'error'],
    ['DELETE_FAILED', 'error'],
    ['ROLLBACK_IN_PROGRESS', 'error'],
    ['ROLLBACK_COMPLETE', 'error'],
    ['UPDATE_ROLLBACK_COMPLETE', 'error'],
    ['UPDATE_ROLLBACK_FAILED', 'error'],
    ['DELETE_COMPLETE', 'absent'],
    ['NOT_FOUND', 'absent'],
  ])('stack %s is %s', (status, level) => {
    expect(stackLevel(status)).toBe(level);
  });

  it.each([
    ['ACTIVE', 'ok'],
    ['CREATING', 'pending'],
    ['UPDATING', 'pending'],
    ['FAILED', 'error'],
    ['DELETING', 'error'],
    ['NOT_FOUND', 'absent'],
  ])('EKS cluster %s is %s', (status, level) => {
    expect(eksClusterLevel(status)).toBe(level);
  });

  it.each([
    ['IDLE', 'ok'],
    ['CREATING', 'pending'],
    ['UPDATING', 'pending'],
    ['REPAIRING', 'pending'],
    ['DELETING', 'error'],
    ['DELETED', 'error'],
    ['NOT_FOUND', 'absent'],
  ])('Atlas cluster %s is %s', (status, level) => {
    expect(atlasClusterLevel(status)).toBe(level);
  });

  it.each([
    ['deployed', 'ok'],
    ['pending-install', 'pending'],
    ['pending-upgrade', 'pending'],
    ['pending-rollback', 'pending'],
    ['failed', 'error'],
    ['superseded', 'error'],
    ['not-found', 'absent'],
  ])('Helm release %s is %s', (status, level) => {
    expect(helmReleaseLevel(status)).toBe(level);
  });

  it.each([
    [3, 3, 'ok'],
    [1, 3, 'pending'],
    [0, 0, 'absent'],
  ])('a workload with %i of %i pods ready is %s', (ready, desired, level) => {
    expect(workloadLevel(ready, desired)).toBe(level);
  });

  it.each([
    ['Running', true, undefined, 'ok'],
    ['Running', false, undefined, 'pending'],
    ['Pending', false, 'Unschedulable', 'pending'],
    ['Pending', false, 'ContainerCreating', 'pending'],
    ['Running', false, 'CrashLoopBackOff', 'error'],
    ['Pending', false, 'ImagePullBackOff', 'error'],
    ['Running', false, 'OOMKilled', 'error'],
    ['Failed', false, 'Evicted', 'error'],
    ['Succeeded', false, 'Completed', 'ok'],
  ])('a %s pod (ready: %s, %s) is %s', (phase, ready, reason, level) => {
    expect(podLevel({ phase, ready, reason })).toBe(level);
  });

  it.each([
    ['Ready', 'ok'],
    ['NotReady', 'error'],
    ['Unknown', 'pending'],
  ])('a %s node is %s', (status, level) => {
    expect(nodeLevel(status)).toBe(level);
  });

  it.each([
    ['available', 'ok'],
    ['creating', 'pending'],
    ['backing-up', 'pending'],
    ['modifying', 'pending'],
    ['storage-full', 'error'],
    ['failed', 'error'],
    ['NOT_FOUND', 'absent'],
  ])('RDS instance %s is %s', (status, level) => {
    expect(databaseLevel(status)).toBe(level);
  });

  it.each([
    ['available', 'ok'],
    ['Available', 'ok'],
    ['pendingAcceptance', 'pending'],
    ['rejected', 'error'],
    ['failed', 'error'],
    ['NOT_FOUND', 'absent'],
  ])('VPC endpoint %s is %s', (state, level) => {
    expect(vpcEndpointLevel(state)).toBe(level);
  });
});

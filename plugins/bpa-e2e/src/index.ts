/**
 * End-to-end harness of the BPA templates: the portal's real backend
 * (createBackend with the scaffolder, the BPA actions, the catalog, auth,
 * permissions and the live status) as child processes that a test can
 * SIGKILL, several at once on one real PostgreSQL, around simulated clouds
 * that live in the test process and so survive every kill. Tests only;
 * never shipped.
 *
 * What is real and what is simulated:
 * - real: the scaffolder backend 4.2 (its task queue, recovery, checkpoints
 *   and workspace handling), the template files, every BPA action, the
 *   catalog and its BPA provider, the live status API, PostgreSQL, the
 *   kube-apiserver and etcd (server-side apply, RBAC, audit log), helm and
 *   its --wait, Prism checking every Atlas request and answer against the
 *   official Admin API v2 spec, the AWS SDK v3 down to its retry strategy
 *   and signing;
 * - simulated: AWS below the SDK (bpa-test-utils: CloudFormation with
 *   change sets, events and exports, EKS and Auto Scaling, STS and IAM,
 *   Secrets Manager, EC2 VPC endpoints, RDS's managed master secret), the
 *   Atlas Admin API behind Prism (one project per environment), and, in the
 *   lab cluster, the kubelets and controllers (DaemonSet, Job, Deployment):
 *   pods never run, their status is written by the harness, so the
 *   database bootstrap Job's psql never runs against RDS (its SQL is tested
 *   against a real PostgreSQL by bpa-node's own suite).
 *
 * API, in the order a test uses it:
 * - `startWorld({ msPerMinute })` ({@link World}): PostgreSQL, the
 *   simulated AWS (`world.aws`: the simulators, `server.calls` — every SDK
 *   call of every backend with its replica, `server.injectFault` — throttling,
 *   5xx or socket timeouts per service/command, N times, which the
 *   backend's SDK retries for real), the simulated Atlas
 *   (`world.atlas.project(id)`, `server.exchanges`, `server.injectFault` —
 *   429/503 with Retry-After; `hold`/`release` of a kind, as
 *   `world.aws.cloudFormation.hold(stack)`, keeps a wait waiting until the
 *   test lets it end), the stand-in chart over HTTPS,
 *   `world.startCluster()` (a lab cluster with
 *   nodes named as EKS node groups name theirs; `api.auditEvents()`,
 *   `api.request()` to inject Kubernetes faults) and
 *   `world.stackLatencies(env)`. Latencies are simulated minutes
 *   (SIMULATED_MINUTES), `msPerMinute` real milliseconds each; the
 *   backends' poll intervals are scaled the same way.
 * - `environmentUnderTest(name, cluster)`: an environment with its own
 *   Atlas project; `environmentRequest(world, env, mode)`: the form values
 *   of the real template.
 * - `startPortal(world, { name, cluster, staleTimeoutSeconds, config })`
 *   ({@link Portal}): replicas sharing the database and the entities
 *   directory; `portal.startReplica(name)` → {@link Replica} (`kill()` is
 *   SIGKILL of its process group, helm included; `logFile` is its JSON log).
 * - `signIn(replica, user?)` (E2E_USER's token, an owner-group member; OUTSIDER, Sam), `new Tasks(portal)`: `create`,
 *   `retry` (the task page's button), `waitFor`/`waitForEnd`, `events`,
 *   `get` (status, step outputs, checkpoints) — read from the scaffolder's
 *   tables, so they work whichever replicas are up.
 * - `killAtEachPoint({ points: [afterStep(id), insideStep(id, name, /log/,
 *   condition)], nextReplicaName, standbys })`: kill, recovered by a hot
 *   standby that never ran the task (found by its workspace), repeat.
 * - `world.registries.ecrProxy` (every push into the ECR stand-in, and
 *   `hold(/path/)` to stop a copy half way), `world.addImages(images)`.
 * - `Stages`: scenarios side by side, each test awaiting its stage; the
 *   summary's timings (wall, backends' start-up and CPU).
 * - Assertions: `creations(world, env)` (every create, put and install, per
 *   resource), `deletions`, `inventory` (what exists, ids normalized),
 *   `secretPasswords`, `catalogSystem`, `liveStatus` / `partsNotOk`.
 *
 * - Faults: `world.aws.server.injectFault` (`afterCall`: the call is done
 *   and only its answer lost; `replica`: one backend's calls only),
 *   `world.atlas.server.injectFault` (`groupId`: one project's),
 *   `serveKubeWithFaults(cluster, dir)` (a proxy in front of the
 *   kube-apiserver answering 409/500/503 for matching requests; give the
 *   portal `{ ...cluster, kubeconfigFile }`), `helmFailingOnce(helm, dir)`
 *   (`startPortal(…, { helmBinary })`).
 * - Teardown: `teardownRequest(env, { terminateAtlasCluster })`, the
 *   simulators' `snapshots` and the same counters.
 * - Secrets: `cloudSecrets(world)`, `clusterSecrets(cluster)` (before the
 *   cluster stops), `scanForSecrets(world, secrets, served)`.
 * - For the whole-apply benchmark: `world.aws.server.calls` and
 *   `world.atlas.server.exchanges` per service, the task events' timestamps.
 *
 * @packageDocumentation
 */
export * from './aws/awsServer';
export * from './harness/kubeFaults';
export * from './harness/portal';
export * from './harness/requests';
export * from './harness/resources';
export * from './harness/restarts';
export * from './harness/registryProxy';
export * from './harness/secrets';
export * from './harness/stages';
export * from './harness/tasks';
export * from './harness/time';
export * from './harness/world';

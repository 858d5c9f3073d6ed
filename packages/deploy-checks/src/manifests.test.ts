import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import {
  findKubectl,
  KubernetesObject,
  renderKustomization,
  repoRoot,
} from './kustomize';
import { validateKubernetesObject } from './validateKubernetesObject';

const kubectl = findKubectl();
if (!kubectl) {
  // The machine image ships kubectl (kustomize built in); Debian's
  // kubernetes-client is the fallback. Only its absence skips these.
  // eslint-disable-next-line no-console
  console.warn(
    'deploy-checks: kubectl not found on PATH, Kustomize overlays NOT rendered or validated (install kubectl or Debian kubernetes-client)',
  );
}
const describeWithKubectl = kubectl ? describe : describe.skip;

const overlays = ['production', 'sandbox'];
const render = (overlay: string) =>
  renderKustomization(kubectl!, join(repoRoot, 'deploy/overlays', overlay));
const find = (objects: KubernetesObject[], kind: string) =>
  objects.filter(o => o.kind === kind) as any[];
const matches = (
  selector: Record<string, string>,
  labels: Record<string, string>,
) => Object.entries(selector).every(([k, v]) => labels[k] === v);

// The Secrets the portal reads (README, "Deploying to Kubernetes"); they
// are created outside Git, never rendered from it.
const secretNames = [
  'portolan-backend',
  'portolan-postgres',
  'portolan-auth',
  'portolan-integrations',
];

describeWithKubectl.each(overlays)('deploy/overlays/%s', overlay => {
  const objects = render(overlay);
  const [deployment] = find(objects, 'Deployment');
  const pod = deployment?.spec.template;
  const container = pod?.spec.containers[0];

  it('renders objects that all validate against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(7);
    for (const object of objects) {
      expect(() => validateKubernetesObject(object)).not.toThrow();
    }
    expect(find(objects, 'Deployment')).toHaveLength(1);
  });

  it('rejects an invalid object (the validation is real)', () => {
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => validateKubernetesObject(broken)).toThrow(
      /Deployment portolan is invalid/,
    );
  });

  it('runs the backend hardened, probed and with resources', () => {
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: expect.any(Number),
    });
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/readiness',
    );
    expect(container.livenessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources.limits.memory).toBeDefined();
    // A read-only root needs a writable /tmp (scaffolder workspaces).
    const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    const tmpVolume = pod.spec.volumes.find((v: any) => v.name === tmp?.name);
    expect(tmpVolume?.emptyDir).toBeDefined();
  });

  it("runs the image's command, with the Kubernetes config layer last", () => {
    const dockerfile = DockerfileParser.parse(
      readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'),
    );
    const cmd: string[] = JSON.parse(
      dockerfile.getCMDs().pop()!.getArgumentsContent()!,
    );
    const { command, args } = container;
    // Same node flags as the image (the heap may be raised by an overlay).
    expect(command.slice(2)).toEqual(cmd.slice(2, 5));
    expect(command[0]).toBe('node');
    expect(command[1]).toMatch(/^--max-old-space-size=\d+$/);
    expect(args.slice(0, -2)).toEqual(cmd.slice(5));
    expect(args.slice(-2, -1)).toEqual(['--config']);
    expect(container.workingDir).toBe('/app/packages/backend');
    const configMount = container.volumeMounts.find((m: any) =>
      args[args.length - 1].startsWith(`${m.mountPath}/`),
    );
    const configVolume = pod.spec.volumes.find(
      (v: any) => v.name === configMount?.name,
    );
    const configMap = find(objects, 'ConfigMap').find(
      c => c.metadata.name === configVolume?.configMap?.name,
    );
    expect(configMap).toBeDefined();
    const file = args[args.length - 1].slice(configMount.mountPath.length + 1);
    const layer = parse(configMap.data[file]);
    // Production replaces the sandbox's upstream lists of app-config.yaml.
    expect(layer.argocd.appLocatorMethods[0].instances.length).toBeGreaterThan(
      0,
    );
    expect(
      layer.kubernetes.clusterLocatorMethods[0].clusters.length,
    ).toBeGreaterThan(0);
    expect(JSON.stringify(layer)).not.toMatch(/portolan-sandbox|127\.0\.0\.1/);
  });

  it('takes credentials only from Secrets, none of them rendered from Git', () => {
    expect(find(objects, 'Secret')).toEqual([]);
    const refs = container.envFrom.map((e: any) => e.secretRef?.name);
    expect(refs.sort()).toEqual([...secretNames].sort());
    for (const env of container.env) {
      expect(env.name).not.toMatch(/SECRET|PASSWORD|TOKEN|KEY/);
    }
  });

  it('wires Service, Ingress (TLS), PDB and NetworkPolicy to the pods', () => {
    const labels = pod.metadata.labels;
    const [service] = find(objects, 'Service');
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(service.spec.ports[0].targetPort).toBe(
      container.ports[0].name ?? container.ports[0].containerPort,
    );
    const [ingress] = find(objects, 'Ingress');
    const hosts = ingress.spec.rules.map((r: any) => r.host);
    expect(ingress.spec.tls[0].hosts).toEqual(hosts);
    expect(ingress.spec.tls[0].secretName).toBeTruthy();
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(
      service.metadata.name,
    );
    const baseUrl = container.env.find(
      (e: any) => e.name === 'PORTOLAN_BASE_URL',
    ).value;
    expect(baseUrl).toBe(`https://${hosts[0]}`);
    const [policy] = find(objects, 'NetworkPolicy');
    expect(matches(policy.spec.podSelector.matchLabels, labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const [sa] = find(objects, 'ServiceAccount');
    expect(pod.spec.serviceAccountName).toBe(sa.metadata.name);
    for (const pdb of find(objects, 'PodDisruptionBudget')) {
      expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
    }
    // Every object lands in the overlay's namespace.
    const [namespace] = find(objects, 'Namespace');
    for (const object of objects.filter(o => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace).toBe(namespace.metadata.name);
    }
  });

  it('keeps a replica through disruptions when it has more than one', () => {
    const pdbs = find(objects, 'PodDisruptionBudget');
    const replicas = deployment.spec.replicas;
    // One pod cannot stay available through a drain: then no PDB blocks it.
    expect(pdbs.map(p => p.spec.minAvailable < replicas)).toEqual(
      replicas > 1 ? [true] : [],
    );
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });
});

describeWithKubectl('deploy/argocd/application.yaml', () => {
  it('is a valid Argo CD Application deploying the production overlay', () => {
    const app = parse(
      readFileSync(join(repoRoot, 'deploy/argocd/application.yaml'), 'utf8'),
    );
    expect(() => new Application(app).validate()).not.toThrow();
    const { destination: _dropped, ...noDestination } = app.spec;
    expect(() =>
      new Application({ ...app, spec: noDestination }).validate(),
    ).toThrow(/destination/);
    expect(app.spec.source.path).toBe('deploy/overlays/production');
    expect(
      existsSync(join(repoRoot, app.spec.source.path, 'kustomization.yaml')),
    ).toBe(true);
    const objects = render('production');
    const [namespace] = find(objects, 'Namespace');
    expect(app.spec.destination.namespace).toBe(namespace.metadata.name);
    expect(app.spec.syncPolicy.automated).toMatchObject({
      prune: true,
      selfHeal: true,
    });
  });
});

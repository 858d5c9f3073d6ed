import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  isDeliveryAvailable,
  isKubernetesCluster,
  isRolloutsAvailable,
} from '@portolan/plugin-delivery-common';
import TimelineIcon from '@material-ui/icons/Timeline';
import { deliveryApiRef } from './api/DeliveryApi';
import { DeliveryClient } from './api/DeliveryClient';

const deliveryApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: deliveryApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new DeliveryClient(deps),
    }),
});

/** Environments card on service pages. */
const environmentsCard = EntityCardBlueprint.make({
  name: 'environments',
  params: {
    type: 'content',
    filter: isDeliveryAvailable,
    loader: () =>
      import('./components/EnvironmentsCard').then(m => <m.EnvironmentsCard />),
  },
});

/** "Deployments" tab on service pages. */
const deploymentsContent = EntityContentBlueprint.make({
  name: 'deployments',
  params: {
    path: '/deployments',
    title: 'Deployments',
    filter: isDeliveryAvailable,
    loader: () =>
      import('./components/DeploymentsCard').then(m => <m.DeploymentsCard />),
  },
});

/** "Canary" tab on service pages: Argo Rollouts status and controls. */
const canaryContent = EntityContentBlueprint.make({
  name: 'canary',
  params: {
    path: '/canary',
    title: 'Canary',
    filter: isRolloutsAvailable,
    loader: () =>
      import('./components/CanaryControlsCard').then(m => (
        <m.CanaryControlsCard />
      )),
  },
});

/** "Services" tab on cluster pages. */
const clusterServicesContent = EntityContentBlueprint.make({
  name: 'cluster-services',
  params: {
    path: '/services',
    title: 'Services',
    filter: isKubernetesCluster,
    loader: () =>
      import('./components/ClusterServicesCard').then(m => (
        <m.ClusterServicesCard />
      )),
  },
});

/** Overview card on cluster pages, so the summary is on the first screen. */
const clusterServicesCard = EntityCardBlueprint.make({
  name: 'cluster-services',
  params: {
    type: 'content',
    filter: isKubernetesCluster,
    loader: () =>
      import('./components/ClusterServicesCard').then(m => (
        <m.ClusterServicesCard />
      )),
  },
});

const deploymentsRouteRef = createRouteRef();

/** Organisation page: deploys today and this week, by team and environment. */
const deploymentsPage = PageBlueprint.make({
  name: 'deployments',
  params: {
    path: '/deployments',
    routeRef: deploymentsRouteRef,
    title: 'Deployments',
    icon: <TimelineIcon fontSize="inherit" />,
    noHeader: true,
    loader: () =>
      import('./components/OrganisationDeploymentsPage').then(m => (
        <m.OrganisationDeploymentsPage />
      )),
  },
});

/** Admin page: Argo CD apps and catalog annotations that do not match. */
const argoCdReportPage = PageBlueprint.make({
  name: 'argocd-report',
  params: {
    path: '/argocd-report',
    title: 'Argo CD report',
    noHeader: true,
    loader: () =>
      import('./components/ArgoCdReportPage').then(m => <m.ArgoCdReportPage />),
  },
});

export default createFrontendPlugin({
  pluginId: 'delivery',
  extensions: [
    deliveryApi,
    environmentsCard,
    clusterServicesCard,
    clusterServicesContent,
    deploymentsContent,
    canaryContent,
    argoCdReportPage,
    deploymentsPage,
  ],
});

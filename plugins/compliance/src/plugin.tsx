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
import { isComplianceAvailable } from '@portolan/plugin-compliance-common';
import VerifiedUserIcon from '@material-ui/icons/VerifiedUser';
import { complianceApiRef } from './api/ComplianceApi';
import { ComplianceClient } from './api/ComplianceClient';

const complianceApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: complianceApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new ComplianceClient(deps),
    }),
});

/** Compliance card on service pages: level, score, failing checks. */
const complianceCard = EntityCardBlueprint.make({
  name: 'compliance',
  params: {
    type: 'content',
    filter: isComplianceAvailable,
    loader: () =>
      import('./components/ComplianceCard').then(m => <m.ComplianceCard />),
  },
});

/** "Compliance" tab on service pages: every check and the 52-week score. */
const complianceContent = EntityContentBlueprint.make({
  name: 'compliance',
  params: {
    path: '/compliance',
    title: 'Compliance',
    filter: isComplianceAvailable,
    loader: () =>
      import('./components/ComplianceCard').then(m => (
        <m.ComplianceCard expanded />
      )),
  },
});

const complianceRouteRef = createRouteRef();

/** Organisation and team compliance. */
const compliancePage = PageBlueprint.make({
  name: 'compliance',
  params: {
    path: '/compliance',
    routeRef: complianceRouteRef,
    title: 'Compliance',
    icon: <VerifiedUserIcon fontSize="inherit" />,
    noHeader: true,
    loader: () =>
      import('./components/CompliancePage').then(m => <m.CompliancePage />),
  },
});

export default createFrontendPlugin({
  pluginId: 'compliance',
  extensions: [
    complianceApi,
    complianceCard,
    complianceContent,
    compliancePage,
  ],
});

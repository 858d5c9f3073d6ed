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
import { isFinopsAvailable } from '@portolan/plugin-finops-common';
import MoneyIcon from '@material-ui/icons/AttachMoney';
import { finopsApiRef } from './api/FinopsApi';
import { FinopsClient } from './api/FinopsClient';

const finopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: finopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new FinopsClient(deps),
    }),
});

/** Cost card on service pages. */
const costCard = EntityCardBlueprint.make({
  name: 'cost',
  params: {
    type: 'content',
    filter: isFinopsAvailable,
    loader: () => import('./components/CostCard').then(m => <m.CostCard />),
  },
});

/** "Costs" tab on service pages: the card and right-sizing. */
const costContent = EntityContentBlueprint.make({
  name: 'costs',
  params: {
    path: '/costs',
    title: 'Costs',
    filter: isFinopsAvailable,
    loader: () =>
      Promise.all([
        import('./components/CostCard'),
        import('./components/RightsizingCard'),
      ]).then(([a, b]) => (
        <div style={{ display: 'grid', gap: 24 }}>
          <a.CostCard />
          <b.RightsizingCard />
        </div>
      )),
  },
});

const costsRouteRef = createRouteRef();

/** Organisation and team costs. */
const costsPage = PageBlueprint.make({
  name: 'costs',
  params: {
    path: '/costs',
    routeRef: costsRouteRef,
    title: 'Costs',
    icon: <MoneyIcon fontSize="inherit" />,
    noHeader: true,
    loader: () => import('./components/CostsPage').then(m => <m.CostsPage />),
  },
});

export default createFrontendPlugin({
  pluginId: 'finops',
  extensions: [finopsApi, costCard, costContent, costsPage],
});

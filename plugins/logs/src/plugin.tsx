import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isLogsAvailable } from '@portolan/plugin-logs-common';
import SubjectIcon from '@material-ui/icons/Subject';
import { logsApiRef } from './api/LogsApi';
import { LogsClient } from './api/LogsClient';

const logsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: logsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new LogsClient(deps),
    }),
});

/** "Logs" tab on service pages. */
const logsContent = EntityContentBlueprint.make({
  name: 'logs',
  params: {
    path: '/logs',
    title: 'Logs',
    filter: isLogsAvailable,
    loader: () =>
      import('./components/EntityLogsContent').then(m => (
        <m.EntityLogsContent />
      )),
  },
});

const logsRouteRef = createRouteRef();

/** Organisation view: a team searches across its own services. */
const logsPage = PageBlueprint.make({
  name: 'logs',
  params: {
    path: '/logs',
    routeRef: logsRouteRef,
    title: 'Logs',
    icon: <SubjectIcon fontSize="inherit" />,
    noHeader: true,
    loader: () =>
      import('./components/TeamLogsPage').then(m => <m.TeamLogsPage />),
  },
});

export default createFrontendPlugin({
  pluginId: 'logs',
  extensions: [logsApi, logsContent, logsPage],
});

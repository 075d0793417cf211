import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import {
  componentEnvironmentCard,
  componentHealthCard,
  environmentArchitectureContent,
  environmentCard,
  environmentComponentsContent,
  environmentHistoryCard,
  environmentStatusCard,
} from './extensions';

/** Catalog cards and content for BPA environments and their components. */
export const bpaPlugin = createFrontendPlugin({
  pluginId: 'bpa',
  title: 'BPA',
  extensions: [
    environmentCard,
    environmentStatusCard,
    environmentHistoryCard,
    environmentArchitectureContent,
    environmentComponentsContent,
    componentEnvironmentCard,
    componentHealthCard,
  ],
});

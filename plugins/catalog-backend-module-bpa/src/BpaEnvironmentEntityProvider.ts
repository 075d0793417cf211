import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { parseAllDocuments } from 'yaml';

const PROVIDER_NAME = 'bpa-environments';

/**
 * Provides the entities of the BPA environments requested through the
 * portal: one YAML file per environment in a directory the
 * `bpa:catalog:register` action writes. The directory is rescanned when it
 * changes and on a schedule; an environment whose file is gone leaves the
 * catalog with it.
 */
export class BpaEnvironmentEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private watcher?: fs.FSWatcher;
  private pending?: NodeJS.Timeout;

  constructor(
    private readonly options: { directory: string; logger: LoggerService },
  ) {}

  getProviderName(): string {
    return PROVIDER_NAME;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await fsp.mkdir(this.options.directory, { recursive: true });
    this.watcher = fs.watch(this.options.directory, () => this.refreshSoon());
    await this.refresh();
  }

  /** Stops watching the directory. */
  close(): void {
    this.watcher?.close();
    clearTimeout(this.pending);
  }

  /** Rescans the directory and replaces every entity this provider owns. */
  async refresh(): Promise<void> {
    if (!this.connection) return;
    const { directory, logger } = this.options;
    const files = (await fsp.readdir(directory))
      .filter(f => /\.ya?ml$/.test(f))
      .sort();
    const entities: DeferredEntity[] = [];
    for (const file of files) {
      const target = path.join(directory, file);
      const locationKey = `${PROVIDER_NAME}:${target}`;
      try {
        for (const entity of readEntities(await fsp.readFile(target, 'utf8'))) {
          entities.push({
            locationKey,
            entity: withLocation(entity, `file:${target}`),
          });
        }
      } catch (error) {
        logger.warn(`Skipping BPA environment file ${target}: ${error}`);
      }
    }
    await this.connection.applyMutation({ type: 'full', entities });
    logger.debug(
      `Provided ${entities.length} entities from ${files.length} BPA environments`,
    );
  }

  /** Many file events arrive for one write: rescan once they settle. */
  private refreshSoon() {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.refresh().catch(error =>
        this.options.logger.error(`BPA environments refresh failed: ${error}`),
      );
    }, 200);
  }
}

function readEntities(text: string): Entity[] {
  return parseAllDocuments(text).map(doc => {
    if (doc.errors.length) throw doc.errors[0];
    const entity = doc.toJS() as Entity;
    if (!entity?.apiVersion || !entity.kind || !entity.metadata?.name) {
      throw new Error('a document is not a catalog entity');
    }
    return entity;
  });
}

function withLocation(entity: Entity, location: string): Entity {
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...entity.metadata.annotations,
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
      },
    },
  };
}

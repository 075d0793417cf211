import { useCallback, useState } from 'react';
import {
  Content,
  ErrorPanel,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
} from '@backstage/core-components';
import {
  IdentityApi,
  configApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';

/** Where the choice is kept, so that a reload signs in again as the same user. */
const STORAGE_KEY = 'bpa-portal-sign-in';
/** The header the exampleUsers auth provider reads the chosen user from. */
const EXAMPLE_USER_HEADER = 'x-bpa-example-user';

/** Who to sign in as: Backstage's guest, or one of the example users. */
type Choice =
  | { provider: 'guest' }
  | { provider: 'exampleUsers'; user: string };

function storedChoice(): Choice | undefined {
  try {
    const choice = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return choice?.provider ? choice : undefined;
  } catch {
    return undefined;
  }
}

/** The identity, forgetting the choice on sign-out so the next visit chooses again. */
function forgettingOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    async signOut() {
      localStorage.removeItem(STORAGE_KEY);
      await identity.signOut();
    },
  };
}

function Option(props: {
  title: string;
  description: string;
  onChoose: () => void;
}) {
  return (
    <Grid item xs={12} sm={6} md={4}>
      <InfoCard
        title={props.title}
        variant="fullHeight"
        actions={
          <Button color="primary" variant="outlined" onClick={props.onChoose}>
            Sign in as {props.title}
          </Button>
        }
      >
        <Typography variant="body1">{props.description}</Typography>
      </InfoCard>
    </Grid>
  );
}

/**
 * The embedded default's sign-in page: Backstage's guest, and each example
 * user of `auth.providers.exampleUsers.users` (signed in as their catalog
 * User, so with their teams' permissions). The choice is kept until
 * sign-out.
 */
export function ExampleUsersSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const [choice, setChoice] = useState(storedChoice);
  const choose = useCallback((next: Choice | undefined) => {
    if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else localStorage.removeItem(STORAGE_KEY);
    setChoice(next);
  }, []);

  if (choice) {
    return (
      <ProxiedSignInPage
        {...props}
        provider={choice.provider}
        headers={
          choice.provider === 'exampleUsers'
            ? { [EXAMPLE_USER_HEADER]: choice.user }
            : undefined
        }
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgettingOnSignOut(identity))
        }
        ErrorComponent={({ error }) => (
          <Page themeId="home">
            <Content>
              <ErrorPanel title="Could not sign in" error={error!}>
                <Button variant="outlined" onClick={() => choose(undefined)}>
                  Choose another user
                </Button>
              </ErrorPanel>
            </Content>
          </Page>
        )}
      />
    );
  }

  const users =
    config.getOptionalConfigArray('auth.providers.exampleUsers.users') ?? [];
  return (
    <Page themeId="home">
      <Header title={config.getOptionalString('app.title') ?? 'Backstage'} />
      <Content>
        <Grid container spacing={2}>
          {users.map(user => {
            const ref = user.getString('userEntityRef');
            return (
              <Option
                key={ref}
                title={user.getString('title')}
                description={user.getOptionalString('description') ?? ref}
                onChoose={() => choose({ provider: 'exampleUsers', user: ref })}
              />
            );
          })}
          <Option
            title="Guest"
            description="Backstage's guest user: in no team, it owns nothing."
            onChoose={() => choose({ provider: 'guest' })}
          />
        </Grid>
      </Content>
    </Page>
  );
}

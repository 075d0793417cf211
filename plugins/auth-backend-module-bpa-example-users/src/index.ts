/**
 * Sign-in as the example organisation's users (development only).
 *
 * @packageDocumentation
 */
export { authModuleBpaExampleUsers as default } from './module';
export { EXAMPLE_USER_HEADER } from './authenticator';

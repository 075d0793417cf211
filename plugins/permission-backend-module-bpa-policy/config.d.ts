export interface Config {
  bpa?: {
    /** Who may do what with BPA environments (the portal's permission policy). */
    permissions?: {
      /**
       * Groups (entity references, e.g. group:default/portal-admins) whose
       * members may apply, change and tear down every environment, use the
       * protected accounts, and cancel or retry anyone's scaffolder task.
       */
      adminGroups?: string[];
      /**
       * AWS account ids (12 digits) whose environments only the admin groups
       * may apply, change or tear down, whoever owns them.
       */
      protectedAccounts?: string[];
    };
  };
}

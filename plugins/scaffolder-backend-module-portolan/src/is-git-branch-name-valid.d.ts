declare module 'is-git-branch-name-valid' {
  /** Whether `name` is a well-formed branch name (`git check-ref-format --branch`). */
  export default function isGitBranchNameValid(name: string): boolean;
}

// Package schema is the validator of a generated child pipeline: Validate
// checks one file against every rule GitLab enforces when it reads an
// `include: artifact` child (keywords and their types, jobs, stages, needs,
// extends, triggers, the size and nesting limits) and warns about what GitLab
// would accept but not run as meant. Each Finding has a position, a stable
// rule id (RuleTable, documented in docs/validation.md) and GitLab's own
// wording where it has one. Limits default to GitLab.com's and can be raised
// for self-managed instances.
//
// The file is read by internal/cidoc, the project's one reader of GitLab CI
// YAML; the keyword lists are data in schema/keywords.
package schema

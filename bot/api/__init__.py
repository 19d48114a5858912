"""REST API v1: notices, previews, approvals, schedules, reports and cases, with an OpenAPI 3 document."""

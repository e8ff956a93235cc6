DROP INDEX `consent_records_site_time`;--> statement-breakpoint
CREATE INDEX `consent_records_site_time` ON `consent_records` (`site_id`,`server_time`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_log_site_id` ON `audit_log` (`site_id`,`id`);--> statement-breakpoint
CREATE INDEX `consent_identities_site_time` ON `consent_identities` (`site_id`,`server_time`);--> statement-breakpoint
CREATE INDEX `document_acceptances_site_time` ON `document_acceptances` (`site_id`,`server_time`);
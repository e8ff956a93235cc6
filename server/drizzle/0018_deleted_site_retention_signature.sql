ALTER TABLE `deleted_sites` ADD `retention_signed_at` integer;--> statement-breakpoint
ALTER TABLE `deleted_sites` ADD `retention_signature` text;--> statement-breakpoint
-- A database without deleted sites has no retention of one kept unsigned: nothing to sign at start-up.
INSERT INTO `startup_tasks` (`name`, `done_at`) SELECT 'sign-deleted-retention', CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE NOT EXISTS (SELECT 1 FROM `deleted_sites`);

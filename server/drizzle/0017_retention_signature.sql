ALTER TABLE `chain_anchors` ADD `retention_days` integer;--> statement-breakpoint
ALTER TABLE `sites` ADD `retention_signed_at` integer;--> statement-breakpoint
ALTER TABLE `sites` ADD `retention_signature` text;--> statement-breakpoint
-- A database without sites has no retention saved before retention was signed: nothing to sign at start-up.
INSERT INTO `startup_tasks` (`name`, `done_at`) SELECT 'sign-retention', CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE NOT EXISTS (SELECT 1 FROM `sites`);

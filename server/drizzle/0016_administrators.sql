ALTER TABLE `users` ADD `administrator` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- A database from before: its first account is the administrator its first start created (every
-- start creates the account of MINICONSENT_ADMIN_EMAIL before it listens, so before any invitation).
UPDATE `users` SET `administrator` = 1 WHERE `id` = (SELECT min(`id`) FROM `users`);

// Package django reads the database of the original Django EduSphere
// server: its core_user, core_topic, core_room, core_room_participants and
// core_message tables on PostgreSQL. Source implements
// edusphere.ImportSource, so any store's Import copies those rows into
// EduSphere's own schema (edusphere import-django; docs/operations.md,
// "Importing from the original").
package django

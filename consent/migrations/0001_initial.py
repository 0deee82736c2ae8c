# The consent models moved here out of diagnostics (issue 13). Their tables keep their names
# (`db_table = "diagnostics_..."`), so this migration only tells Django's state where the models live now:
# no table, index, constraint or row is touched, and the audit log's append-only trigger (diagnostics
# 0002) stays on its table. The content types are renamed so that admin permissions and grants survive.

import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models

MODELS = ("accessrequest", "intervention", "contactobligation", "customercontact", "auditentry")


def _move_content_types(old_label, new_label):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MODELS:
            # A fresh database has no rows yet (post_migrate creates them under the new label).
            if not ContentType.objects.using(db).filter(app_label=new_label, model=model).exists():
                ContentType.objects.using(db).filter(app_label=old_label, model=model).update(
                    app_label=new_label
                )
    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('diagnostics', '0002_consent'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0003_idempotency_record'),
        ('tickets', '0004_customer_status_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AccessRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(choices=[('read_data', 'Read customer data'), ('modify_data', 'Modify customer data')], max_length=20, verbose_name='scope')),
                        ('reason', models.TextField(verbose_name='reason')),
                        ('duration_hours', models.PositiveSmallIntegerField(verbose_name='duration (hours)')),
                        ('status', django_fsm.FSMField(choices=[('pending', 'Waiting for the customer'), ('granted', 'Granted'), ('denied', 'Denied'), ('revoked', 'Revoked'), ('expired', 'Expired')], default='pending', max_length=50, protected=True, verbose_name='status')),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires at')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended at')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_requests', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'diagnostics_accessrequest',
                        'ordering': ['-id'],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='ContactObligation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ask_before_access', 'Ask the customer before any access to data'), ('tell_after_emergency', 'Tell the customer at once after an emergency action')], max_length=30, verbose_name='kind')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='arose at')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                        ('resolution', models.CharField(blank=True, choices=[('contacted', 'The customer was reached'), ('answered', 'The customer answered the request'), ('moot', 'The request ended before the customer could be reached')], max_length=20, verbose_name='resolution')),
                        ('access_request', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contact_obligation', to='consent.accessrequest')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contact_obligations', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'diagnostics_contactobligation',
                        'ordering': ['-id'],
                    },
                    bases=(models.Model,),
                ),
                migrations.CreateModel(
                    name='CustomerContact',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'E-mail'), ('ticket_page', 'Ticket page'), ('phone', 'Telephone')], max_length=20, verbose_name='channel')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                        ('recipients', models.PositiveSmallIntegerField(default=0, verbose_name='recipients')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                        ('obligation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contacts', to='consent.contactobligation')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'diagnostics_customercontact',
                        'ordering': ['obligation', 'id'],
                    },
                    bases=(models.Model,),
                ),
                migrations.CreateModel(
                    name='Intervention',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('read_data', 'Read customer data'), ('modify_data', 'Modify customer data'), ('suspend_service', 'Suspend the service (emergency)'), ('rescue_mode', 'Boot into rescue mode (emergency)')], max_length=20, verbose_name='action')),
                        ('description', models.TextField(verbose_name='description')),
                        ('performed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='performed at')),
                        ('agent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('consent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='interventions', to='consent.accessrequest')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='interventions', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'diagnostics_intervention',
                        'ordering': ['-id'],
                    },
                    bases=(models.Model,),
                ),
                migrations.AddField(
                    model_name='contactobligation',
                    name='intervention',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contact_obligation', to='consent.intervention'),
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(verbose_name='at')),
                        ('event', models.CharField(choices=[('access_requested', 'Access requested'), ('access_granted', 'Access granted'), ('access_denied', 'Access denied'), ('access_revoked', 'Access revoked'), ('access_expired', 'Access expired'), ('intervention', 'Intervention')], max_length=20, verbose_name='event')),
                        ('outcome', models.CharField(choices=[('done', 'Done'), ('refused', 'Refused')], max_length=10, verbose_name='outcome')),
                        ('action', models.CharField(choices=[('read_data', 'Read customer data'), ('modify_data', 'Modify customer data'), ('suspend_service', 'Suspend the service (emergency)'), ('rescue_mode', 'Boot into rescue mode (emergency)')], max_length=20, verbose_name='action or scope')),
                        ('actor_role', models.CharField(max_length=10, verbose_name="actor's role then")),
                        ('detail', models.TextField(blank=True, verbose_name='detail')),
                        ('previous_hash', models.CharField(blank=True, max_length=64)),
                        ('entry_hash', models.CharField(max_length=64, unique=True)),
                        ('access_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.accessrequest')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.customer')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tickets.ticket')),
                        ('intervention', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.intervention')),
                    ],
                    options={
                        'verbose_name': 'consent audit entry',
                        'verbose_name_plural': 'consent audit log',
                        'db_table': 'diagnostics_auditentry',
                        'ordering': ['-id'],
                    },
                    bases=(models.Model,),
                ),
                migrations.AddIndex(
                    model_name='accessrequest',
                    index=models.Index(fields=['ticket', '-id'], name='access_request_ticket_idx'),
                ),
                migrations.AddIndex(
                    model_name='accessrequest',
                    index=models.Index(fields=['status', 'expires_at'], name='access_request_expiry_idx'),
                ),
                migrations.AddConstraint(
                    model_name='accessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('duration_hours__gte', 1), ('duration_hours__lte', 72)), name='access_request_duration_1_to_72_hours'),
                ),
                migrations.AddConstraint(
                    model_name='accessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'expired']), ('decided_at__isnull', False), _connector='OR'), name='access_request_decided_when_answered'),
                ),
                migrations.AddConstraint(
                    model_name='accessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'granted'), ('status', 'pending'), ('ended_at__isnull', False), _connector='OR'), name='access_request_ended_when_final'),
                ),
                migrations.AddConstraint(
                    model_name='accessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('expires_at__isnull', True), ('expires_at__gt', models.F('requested_at')), _connector='OR'), name='access_request_expires_after_request'),
                ),
                migrations.AddIndex(
                    model_name='customercontact',
                    index=models.Index(fields=['obligation', 'id'], name='contact_obligation_idx'),
                ),
                migrations.AddIndex(
                    model_name='intervention',
                    index=models.Index(fields=['ticket', '-id'], name='intervention_ticket_idx'),
                ),
                migrations.AddConstraint(
                    model_name='intervention',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('action__in', ['read_data', 'modify_data']), ('consent__isnull', False)), models.Q(('action__in', ['suspend_service', 'rescue_mode']), ('consent__isnull', True)), _connector='OR'), name='intervention_consent_iff_data_action'),
                ),
                migrations.AddIndex(
                    model_name='contactobligation',
                    index=models.Index(condition=models.Q(('resolved_at__isnull', True)), fields=['ticket'], name='contact_open_idx'),
                ),
                migrations.AddConstraint(
                    model_name='contactobligation',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('access_request__isnull', False), ('intervention__isnull', True), ('kind', 'ask_before_access')), models.Q(('access_request__isnull', True), ('intervention__isnull', False), ('kind', 'tell_after_emergency')), _connector='OR'), name='contact_obligation_names_its_cause'),
                ),
                migrations.AddConstraint(
                    model_name='contactobligation',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('resolved_at__isnull', True), ('resolution', '')), models.Q(('resolved_at__isnull', False), models.Q(('resolution', ''), _negated=True)), _connector='OR'), name='contact_obligation_resolution_iff_resolved'),
                ),
                migrations.AddIndex(
                    model_name='auditentry',
                    index=models.Index(fields=['ticket', '-id'], name='audit_ticket_idx'),
                ),
                migrations.AddIndex(
                    model_name='auditentry',
                    index=models.Index(fields=['customer', '-id'], name='audit_customer_idx'),
                ),
            ],
        ),
        migrations.RunPython(
            _move_content_types("diagnostics", "consent"), _move_content_types("consent", "diagnostics")
        ),
    ]

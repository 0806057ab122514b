"""worklist summary columns on encounters, status/created_at index, posted remits

The worklist reads only the encounter row's summary columns; the patient's display fields and
the coding error were in the ``state`` JSON, so they get their own columns, filled here from
the state of the rows made before (the same values ``events.summary_columns`` gives). The
``remits`` table records every 835 payment posted (TRN02/TRN03 unique, the file's sha256) so
that the same payment is not posted twice.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _patient(state: Any) -> tuple[str | None, int | None, str | None, Any]:
    """(name, age, sex, error) from an encounter's cached state (frozen here: the migration
    does not import the code it migrates for)."""
    st: dict[str, Any] = state if isinstance(state, dict) else {}
    raw = st.get("patient")
    pat: dict[str, Any] = raw if isinstance(raw, dict) else {}
    name = pat.get("name")
    age = pat.get("age")
    sex = pat.get("sex")
    return (str(name)[:200] if name else None,
            age if isinstance(age, int) and not isinstance(age, bool) else None,
            str(sex)[:1] if sex else None,
            st.get("error") or None)


def upgrade() -> None:
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('patient_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('patient_sex', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('error', sa.JSON(), nullable=True))
        batch_op.create_index('ix_encounters_status_created_at', ['status', 'created_at'], unique=False)

    encounters = sa.table('encounters', sa.column('id', sa.Integer()), sa.column('state', sa.JSON()),
                          sa.column('patient_name', sa.String()), sa.column('patient_age', sa.Integer()),
                          sa.column('patient_sex', sa.String()), sa.column('error', sa.JSON()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(encounters.c.id, encounters.c.state)).all()
    for enc_id, state in rows:
        name, age, sex, error = _patient(state)
        conn.execute(encounters.update().where(encounters.c.id == enc_id).values(
            patient_name=name, patient_age=age, patient_sex=sex, error=error))

    op.create_table('remits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_by', sa.String(length=150), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('trace_number', sa.String(length=80), nullable=True),
    sa.Column('trace_originator', sa.String(length=80), nullable=False),
    sa.Column('payer', sa.String(length=200), nullable=True),
    sa.Column('payment_date', sa.String(length=10), nullable=True),
    sa.Column('total_paid', sa.String(length=20), nullable=False),
    sa.Column('claims_matched', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remits')),
    sa.UniqueConstraint('trace_originator', 'trace_number', name='uq_remits_trace')
    )
    with op.batch_alter_table('remits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remits_file_sha256'), ['file_sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('remits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remits_file_sha256'))
    op.drop_table('remits')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index('ix_encounters_status_created_at')
        batch_op.drop_column('error')
        batch_op.drop_column('patient_sex')
        batch_op.drop_column('patient_age')
        batch_op.drop_column('patient_name')

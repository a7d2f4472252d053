"""Search without diacritics or case, the same on SQLite and PostgreSQL, through the word index."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import FindingStatus, InspectionStatus, Role, SearchTerm, Unit
from app.models.search import normalise, words
from app.services import search
from tests import factories


@pytest.mark.parametrize("text, key", [
    ("Trễ hạn", "tre han"),
    ("UBND huyện Đắk Hà", "ubnd huyen dak ha"),
    ("ĐỒNG NAI", "dong nai"),
    ("đường  Lê Lợi,   Kon Tum", "duong le loi kon tum"),
    ("KT-2026-012/03", "kt 2026 012 03"),
    ("Ủy ban nhân dân", "uy ban nhan dan"),
    ("Quảng Ngãi", "quang ngai"),
    ("", ""),
    (None, ""),
])
def test_normalise_drops_marks_case_and_punctuation(text, key):
    assert normalise(text) == key


def test_words_are_distinct_and_in_order():
    assert words("Đắk Hà, đắk hà và Đắk Tô") == ["dak", "ha", "va", "to"]


@pytest.fixture
def data(app):
    dak_ha = factories.make_unit(name="UBND huyện Đắk Hà", code="H-DAKHA")
    dong_nai = factories.make_unit(name="Sở Nội vụ tỉnh Đồng Nai", code="SNV-DN")
    inspection = factories.make_inspection(unit=dak_ha, title="Kiểm tra công vụ tại Đắk Hà",
                                           status=InspectionStatus.CONCLUDED, decision_number="12/QĐ-BCĐ")
    late = factories.make_finding(inspection, status=FindingStatus.OPEN, title="Trễ hạn nộp báo cáo định kỳ")
    other = factories.make_finding(inspection, status=FindingStatus.OPEN, title="Thiếu niêm yết thủ tục")
    return {"dak_ha": dak_ha, "dong_nai": dong_nai, "inspection": inspection, "late": late, "other": other}


@pytest.mark.parametrize("q", ["tre han", "Trễ hạn", "TRE HAN", "trễ", "tre bao", "han nop", "TRỄ   hạn!"])
def test_findings_are_found_with_or_without_marks(data, leader, q):
    found = search.search(leader, q)
    assert [f.id for f in found.findings] == [data["late"].id]


@pytest.mark.parametrize("q", ["dak ha", "Đắk Hà", "đắk", "DAK", "h dakha", "ubnd dak"])
def test_units_are_found_with_or_without_marks(data, leader, q):
    assert [u.id for u in search.search(leader, q).units] == [data["dak_ha"].id]


@pytest.mark.parametrize("q", ["dong nai", "Đồng", "đồng nai", "ĐỒNG NAI", "snv dn"])
def test_d_with_stroke_matches_d(data, leader, q):
    assert [u.id for u in search.search(leader, q).units] == [data["dong_nai"].id]


@pytest.mark.parametrize("q", ["tre hanh", "xyz", "han tre xyz", "akha"])
def test_every_word_must_begin_a_word(data, leader, q):
    assert search.search(leader, q).empty


@pytest.mark.parametrize("q, found", [("tre han", ["late"]), ("TRỄ hạn nộp", ["late"]), ("thu", ["other"]),
                                      ("bao cao", ["late"]), ("tre niem", []), ("  ,; ", None)])
def test_a_list_reads_the_ids_with_every_word(data, q, found):
    """matching_ids, for the findings list: the same rows as the search box finds."""
    ids = search.matching_ids("finding", q)
    assert (None if ids is None else sorted(db.session.scalars(ids))) == (
        None if found is None else sorted(data[key].id for key in found))


def test_an_empty_query_finds_nothing(data, leader):
    assert search.search(leader, "  ,; ").empty and search.matches("finding", None, "") is None


def test_inspections_are_found_by_title_and_decision_number(data, leader):
    assert [i.id for i in search.search(leader, "kiem tra dak ha").inspections] == [data["inspection"].id]
    assert [i.id for i in search.search(leader, "12 qd bcd").inspections] == [data["inspection"].id]


def test_the_words_follow_edits_and_deletes(data, leader):
    unit = data["dong_nai"]
    unit.name = "Sở Tư pháp tỉnh Quảng Ngãi"
    db.session.commit()
    assert search.search(leader, "dong nai").empty
    assert [u.id for u in search.search(leader, "quang ngai").units] == [unit.id]
    assert unit.search_key == "snv dn so tu phap tinh quang ngai"
    db.session.delete(unit)
    db.session.commit()
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(SearchTerm).where(
        SearchTerm.kind == "unit", SearchTerm.entity_id == unit.id))


def test_results_keep_to_the_users_rights(data):
    head = factories.make_user(Role.UNIT_HEAD, unit=data["dong_nai"])
    found = search.search(head, "dak ha")
    assert found.empty  # another unit, its inspection and findings: nothing of them
    own_head = factories.make_user(Role.UNIT_HEAD, unit=data["dak_ha"])
    found = search.search(own_head, "tre han")
    assert [f.id for f in found.findings] == [data["late"].id]
    outsider = factories.make_user(Role.INSPECTOR)
    assert not search.search(outsider, "tre han").findings and not search.search(outsider, "kiem tra").inspections
    member = data["inspection"].lead
    assert [f.id for f in search.search(member, "tre han").findings] == [data["late"].id]


def test_dismissed_findings_are_not_found(data, leader):
    data["late"].status = FindingStatus.DISMISSED
    db.session.commit()
    assert not search.search(leader, "tre han").findings


def test_a_word_is_a_prefix_range_answered_from_the_index(data, leader):
    """The query a word makes is a range on (kind, term), which both databases serve from the index."""
    query = sa.select(Unit.id).where(search.matches("unit", Unit.id, "dak ha"))
    compiled = query.compile(db.engine)
    sql = str(compiled)
    assert "search_term.term >=" in sql and "search_term.term <" in sql and "LIKE" not in sql.upper()
    inner = sa.select(SearchTerm.entity_id).where(SearchTerm.kind == "unit", SearchTerm.term >= "dak",
                                                  SearchTerm.term < "dal")
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(inner.compile(db.engine, compile_kwargs={"literal_binds": True}))))
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(row) for row in connection.exec_driver_sql(
                "EXPLAIN " + str(inner.compile(db.engine, compile_kwargs={"literal_binds": True}))))
    assert "ix_search_term_kind_term" in plan, plan

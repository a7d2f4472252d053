"""The bare reference of bench/checklist.py: the same work with nothing of the app around it.

GET /items reads the checklist's 120 items in one query and renders them in a plain template;
POST /update updates one row and commits. Served by gunicorn like the app, on the same database file.
"""
import os
import sqlite3

from flask import Flask, g, render_template_string, request

app = Flask(__name__)
DATABASE = os.environ["BENCH_DATABASE"]
PAGE = """<!doctype html><title>items</title><ol>{% for id, code, question, kind in items %}
<li id="item-{{ id }}">{{ code }} {{ question }} <small>{{ kind }}</small></li>{% endfor %}</ol>"""


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(DATABASE)
        g.db.execute("PRAGMA journal_mode=WAL")
        g.db.execute("PRAGMA synchronous=NORMAL")
        g.db.execute("PRAGMA busy_timeout=5000")
    return g.db


@app.teardown_appcontext
def close(_error):
    if "db" in g:
        g.db.close()


@app.get("/items/<int:template_id>")
def items(template_id: int):
    rows = connection().execute(
        "SELECT i.id, i.code, i.question, i.answer_type FROM checklist_item i "
        "JOIN checklist_section s ON s.id = i.section_id WHERE s.template_id = ? ORDER BY s.position, i.position",
        (template_id,),
    ).fetchall()
    return render_template_string(PAGE, items=rows)


@app.post("/update/<int:answer_id>")
def update(answer_id: int):
    db = connection()
    db.execute("UPDATE answer SET note = ? WHERE id = ?", (request.form.get("note", ""), answer_id))
    db.commit()
    return "ok"

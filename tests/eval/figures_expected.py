"""Writes tests/eval/figures.jsonl: for each figure look-up (a value as typed), every
(document, page) of the default corpus whose extracted text states that value, found with a
regular expression over `sourcier extract` output -- a path independent of the figure
extractor under test. Run from the repository root after `cargo build --release`:

    python3 tests/eval/figures_expected.py
"""
import json,re,glob,os,subprocess
S=r"[ \u00a0\u202f\u2009]"
def pages(path):
    doc=os.path.basename(path).rsplit(".",1)[0]
    text=subprocess.run(["target/release/sourcier","extract",path],capture_output=True,text=True,check=True).stdout
    out={}; p=None
    for line in text.splitlines():
        m=re.match(r"=== page (\d+)$",line.strip())
        if m: p=int(m.group(1)); continue
        if p: out.setdefault(p,[]).append(line)
    return doc,out
DOCS=[pages(p) for p in sorted(glob.glob("corpus/*.pdf")+glob.glob("corpus/*.html"))]
NB=r"(?<![\w,.])"; NA=r"(?![\d]|[,.]\d)"
lookups=[
 # id, typed value, unit filter, regex of every writing of that value in the text
 ("f-01","13 600",None, NB+r"13"+S+r"?600"+NA),
 ("f-02","13600",None, NB+r"13"+S+r"?600"+NA),
 ("f-03","13,6 k",None, NB+r"13"+S+r"?600"+NA),
 ("f-04","38%",None, NB+r"38(,0)?"+S+r"?%"),
 ("f-05","38 %",None, NB+r"38(,0)?"+S+r"?%"),
 ("f-06","32 %",None, NB+r"32"+S+r"?%"),
 ("f-07","29%",None, NB+r"29"+S+r"?%"),
 ("f-08","75 M€",None, NB+r"75"+S+r"?M€"),
 ("f-09","75000000 €",None, NB+r"75"+S+r"?M€"),
 ("f-10","76,3 M€",None, NB+r"76,3"+S+r"?M€"),
 ("f-11","76.3M€",None, NB+r"76,3"+S+r"?M€"),
 ("f-12","40,7%",None, NB+r"40,7"+S+r"?%"),
 ("f-13","40.7 %",None, NB+r"40,7"+S+r"?%"),
 ("f-14","7 000",None, NB+r"7"+S+r"?000"+NA),
 ("f-15","1,2 million",None, NB+r"1,2"+S+r"million"),
 ("f-16","1200000",None, NB+r"1,2"+S+r"million"),
 ("f-17","5000",None, NB+r"5"+S+r"?[,]?000"+NA),
 ("f-18","16 000",None, NB+r"16"+S+r"?000"+NA),
 ("f-19","1700",None, NB+r"1"+S+r"?700"+NA),
 ("f-20","90 k€",None, NB+r"90"+S+r"?k€"),
 ("f-21","2 M€",None, NB+r"2"+S+r"?M€"),
 ("f-22","6,7 k€",None, NB+r"6,7"+S+r"?k€"),
 ("f-23","11,1 k€",None, NB+r"11,1"+S+r"?k€"),
 ("f-24","9,2 M€",None, NB+r"9,2"+S+r"?M€"),
 ("f-25","7,5 M€",None, NB+r"7,5"+S+r"?M€"),
 ("f-26","3850",None, NB+r"3"+S+r"?850"+NA),
 ("f-27","2,1 %",None, NB+r"2,1"+S+r"?%"),
 ("f-28","0,7%",None, NB+r"0,7"+S+r"?%"),
 ("f-29","94,4 %",None, NB+r"94,4"+S+r"?%"),
 ("f-30","84%",None, NB+r"84"+S+r"?%"),
 ("f-31","135",None, NB+r"135"+NA+r"(?!"+S+r"?[%€])"),
 ("f-32","1934",None, NB+r"1934"+NA),
 ("f-33","1999",None, NB+r"1999"+NA),
 ("f-34","1,200",None, NB+r"1"+S+r"?[,]?200"+NA+r"(?!"+S+r"?[%€])"),
 ("f-35","21 %","percent", NB+r"21"+S+r"?%"),
 ("f-36","9.4M€",None, NB+r"9[,.]4"+S+r"?M€"),
]
out=open("tests/eval/figures.jsonl","w")
out.write("// Figure look-ups: a value as typed -> every (document, page) where the text states it.\n")
out.write("// Expected places come from a regular expression over `sourcier extract` output (an independent path); written by tests/eval/figures_expected.py.\n")
for id,v,unit,rx in lookups:
    places=[]
    for doc,pg in DOCS:
        for p,lines in sorted(pg.items()):
            for line in lines:
                m=re.search(rx,line)
                if m:
                    places.append({"doc":doc,"page":p,"contains":line[max(0,m.start()-20):m.end()+25].strip()})
                    break
    d={"id":id,"value":v}
    if unit: d["unit"]=unit
    d["places"]=places
    out.write(json.dumps(d,ensure_ascii=False)+"\n")

// Drag and drop upload with per-file progress, and readable errors for htmx requests.
(function () {
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function flash(msg) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.textContent = msg; el.hidden = false;
    clearTimeout(flash.t); flash.t = setTimeout(function () { el.hidden = true; }, 8000);
  }
  function detail(xhr) {
    try { var j = JSON.parse(xhr.responseText); if (j && j.detail) return typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail); } catch (e) {}
    return "请求失败（" + xhr.status + "）";
  }
  document.addEventListener("htmx:responseError", function (ev) { flash(detail(ev.detail.xhr)); });
  document.addEventListener("htmx:sendError", function () { flash("无法连接服务器，请检查网络后重试。"); });

  // a fact's page image (its box in red) in a dialog; without JS the link opens a new tab
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[data-page-image]") : null;
    var dlg = document.getElementById("page-dialog");
    if (!a || !dlg || typeof dlg.showModal !== "function" || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
    ev.preventDefault();
    var img = document.getElementById("page-dialog-img");
    var cap = document.getElementById("page-dialog-caption");
    cap.textContent = "加载中…";
    img.onload = function () { cap.textContent = a.getAttribute("aria-label") || ""; };
    img.onerror = function () { cap.textContent = "无法显示该页面。"; };
    img.alt = a.getAttribute("aria-label") || "原文页面";
    img.src = a.href;
    document.getElementById("page-dialog-open").href = a.href;
    dlg.showModal();
  });

  function uploadOne(file, form) {
    var list = document.getElementById("job-list");
    var row = document.createElement("tr");
    row.innerHTML = "<td></td><td>上传中</td><td><progress max='100' value='0'></progress> <span>0%</span></td><td></td>";
    row.cells[0].textContent = file.name;
    list.insertBefore(row, list.firstChild);
    var data = new FormData();
    data.append("files", file, file.name);
    var org = form.querySelector("[name=org]");
    if (org && org.value) data.append("org", org.value);
    data.append("csrf", csrf());
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/web/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var p = Math.round(e.loaded / e.total * 100);
      row.querySelector("progress").value = p; row.querySelector("span").textContent = "上传 " + p + "%";
    };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        var tmp = document.createElement("tbody");
        tmp.innerHTML = xhr.responseText;
        var rows = Array.prototype.slice.call(tmp.children);
        rows.forEach(function (r) { list.insertBefore(r, row); if (window.htmx) htmx.process(r); });
        row.remove();
      } else {
        row.cells[1].textContent = "失败"; row.cells[3].textContent = detail(xhr);
        row.cells[3].className = "error";
      }
    };
    xhr.onerror = function () { row.cells[1].textContent = "失败"; row.cells[3].textContent = "网络错误，上传未完成。"; };
    xhr.send(data);
  }

  function init() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var drop = document.getElementById("drop"), input = document.getElementById("files");
    function send(files) { for (var i = 0; i < files.length; i++) uploadOne(files[i], form); }
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) send(e.dataTransfer.files); });
    form.addEventListener("submit", function (e) {
      e.preventDefault(); e.stopPropagation();
      if (!input.files.length) { flash("请先选择要上传的文件。"); input.focus(); return; }
      send(input.files); input.value = "";
    }, true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();

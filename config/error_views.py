"""The project's 400, 403, 404 and 500 answers (installed as Django's handlers in config.urls),
and the answer to a login that django-axes has locked out (429).

Under /api/ the answer is JSON (`{"detail": ...}`), as DRF's own errors are, so a client never
has to parse an HTML page; elsewhere a short page in the interface language. Neither shows a URL
pattern, a setting or the environment, whatever raised it.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from .middleware import NulCharacter

API_PREFIX = "/api/"


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        message = _("Nội dung yêu cầu quá lớn (tối đa %(limit)s byte).") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
    elif isinstance(exception, TooManyFieldsSent):
        message = _("Yêu cầu có quá nhiều trường.")
    elif isinstance(exception, NulCharacter):
        message = _("Yêu cầu không được chứa ký tự NUL.")
        if exception.fields and request.path.startswith(API_PREFIX):
            # As a serializer would say it: the message under each parameter's name.
            field_message = _("Không được chứa ký tự NUL.")
            return JsonResponse({field: [field_message] for field in exception.fields}, status=400)
    else:
        message = _("Yêu cầu không hợp lệ.")
    return _answer(request, 400, message)


def permission_denied(request, exception=None):
    return _answer(request, 403, _("Bạn không có quyền truy cập trang này."))


def page_not_found(request, exception=None):
    return _answer(request, 404, _("Không tìm thấy trang."))


def server_error(request):
    return _answer(request, 500, _("Lỗi máy chủ. Sự cố đã được ghi lại; xin thử lại sau."))


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: too many failed logins for this account or from this address."""
    message = _(
        "Đăng nhập tạm bị khóa sau %(limit)s lần sai mật khẩu. Xin thử lại sau %(minutes)s "
        "phút, hoặc nhờ quản trị viên mở khóa."
    ) % {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return _answer(request, 429, message)


def _answer(request, status: int, message: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status)
    # No request context: the page must render even when the error came from a context
    # processor, the session or the database.
    body = loader.get_template("error.html").render({"status": status, "message": message})
    return HttpResponse(body, status=status)

#include "base/code.h"

namespace wd {

std::string_view code_name(Code code) {
    switch (code) {
        case Code::ok: return "OK";
        case Code::system_error: return "SYSTEMERROR";
        case Code::runtime_inconsistency: return "RUNTIMEINCONSISTENCY";
        case Code::data_inconsistency: return "DATAINCONSISTENCY";
        case Code::connection_loss: return "CONNECTIONLOSS";
        case Code::marshalling_error: return "MARSHALLINGERROR";
        case Code::unimplemented: return "UNIMPLEMENTED";
        case Code::operation_timeout: return "OPERATIONTIMEOUT";
        case Code::bad_arguments: return "BADARGUMENTS";
        case Code::unknown_session: return "UNKNOWNSESSION";
        case Code::new_config_no_quorum: return "NEWCONFIGNOQUORUM";
        case Code::reconfig_in_progress: return "RECONFIGINPROGRESS";
        case Code::api_error: return "APIERROR";
        case Code::no_node: return "NONODE";
        case Code::no_auth: return "NOAUTH";
        case Code::bad_version: return "BADVERSION";
        case Code::no_children_for_ephemerals: return "NOCHILDRENFOREPHEMERALS";
        case Code::node_exists: return "NODEEXISTS";
        case Code::not_empty: return "NOTEMPTY";
        case Code::session_expired: return "SESSIONEXPIRED";
        case Code::invalid_callback: return "INVALIDCALLBACK";
        case Code::invalid_acl: return "INVALIDACL";
        case Code::auth_failed: return "AUTHFAILED";
        case Code::session_moved: return "SESSIONMOVED";
        case Code::not_read_only: return "NOTREADONLY";
        case Code::ephemeral_on_local_session: return "EPHEMERALONLOCALSESSION";
        case Code::no_watcher: return "NOWATCHER";
        case Code::request_timeout: return "REQUESTTIMEOUT";
        case Code::reconfig_disabled: return "RECONFIGDISABLED";
        case Code::session_closed_require_sasl_auth: return "SESSIONCLOSEDREQUIRESASLAUTH";
        case Code::quota_exceeded: return "QUOTAEXCEEDED";
        case Code::throttled_op: return "THROTTLEDOP";
    }
    return "UNKNOWN";
}

}  // namespace wd

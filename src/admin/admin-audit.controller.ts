import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators/auth.decorators';
import { AuditPage, AuditService } from '../audit/audit.service';
import { AuditQueryDto } from './dto/admin.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { AuditPageResponse } from './dto/admin.responses';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPageResponse })
  @ApiErrors(400, 401, 403)
  query(@Query() q: AuditQueryDto): Promise<AuditPage> {
    return this.audit.query(q);
  }
}
